-- Stage 16 (Mooncake traces): {timestamp (ms since the trace started), input_length,
-- output_length, hash_ids}. The time is variable plan_trace_start (epoch seconds, from
-- --trace-start) plus the offset; a value that is not an offset is passed on for stage 20 to
-- report.
--
-- Prefix cache: hash_ids are the request's 512-token prompt blocks, chained so that an equal id
-- means an equal prefix. A block first seen on an earlier line of the file is served from the
-- KV cache, so the request's cached input tokens are 512 per such block (never more than its
-- input): priced at cache-read rates like any logged cached tokens.
CREATE OR REPLACE TEMP VIEW trace_records AS
WITH blocks AS (
    SELECT line_no, unnest(TRY_CAST(hash_ids AS BIGINT[])) AS block
    FROM stage
),
first_seen AS (
    SELECT block, min(line_no) AS first_line FROM blocks GROUP BY block
),
reused AS (
    SELECT b.line_no, count(*) AS blocks
    FROM blocks b JOIN first_seen f USING (block)
    WHERE f.first_line < b.line_no
    GROUP BY b.line_no
)
SELECT
    s.line_no,
    s.line_problem,
    s.excerpt,
    CASE WHEN TRY_CAST(s."timestamp" AS DOUBLE) >= 0
        THEN CAST(getvariable('plan_trace_start') + TRY_CAST(s."timestamp" AS DOUBLE) / 1000
                  AS VARCHAR)
        ELSE s."timestamp" END      AS ts_raw,
    s.input_length                  AS input_raw,
    s.output_length                 AS output_raw,
    CASE WHEN TRY_CAST(s.hash_ids AS BIGINT[]) IS NOT NULL AND TRY_CAST(s.input_length AS BIGINT) >= 0
        THEN CAST(least(TRY_CAST(s.input_length AS BIGINT), coalesce(r.blocks, 0) * 512)
                  AS VARCHAR)
    END                             AS cached_raw
FROM stage s
LEFT JOIN reused r USING (line_no)
