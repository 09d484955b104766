-- Stage 16 (Mooncake traces): {timestamp (ms since the trace started), input_length,
-- output_length, hash_ids}. The time is variable plan_trace_start (epoch seconds, from
-- --trace-start) plus the offset; a value that is not an offset is passed on for stage 20 to
-- report.
CREATE OR REPLACE TEMP VIEW trace_records AS
SELECT
    line_no,
    line_problem,
    excerpt,
    CASE WHEN TRY_CAST("timestamp" AS DOUBLE) >= 0
        THEN CAST(getvariable('plan_trace_start') + TRY_CAST("timestamp" AS DOUBLE) / 1000
                  AS VARCHAR)
        ELSE "timestamp" END        AS ts_raw,
    input_length                    AS input_raw,
    output_length                   AS output_raw
FROM stage
