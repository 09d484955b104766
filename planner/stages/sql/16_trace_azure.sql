-- Stage 16 (Azure LLM inference traces, CSV): TIMESTAMP (no zone: UTC), ContextTokens,
-- GeneratedTokens.
CREATE OR REPLACE TEMP VIEW trace_records AS
SELECT
    line_no,
    line_problem,
    excerpt,
    "TIMESTAMP"                     AS ts_raw,
    ContextTokens                   AS input_raw,
    GeneratedTokens                 AS output_raw,
    NULL::VARCHAR                   AS cached_raw
FROM stage
