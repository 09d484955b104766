-- Stage 40: token statistics per workload. Percentiles are nearest-rank (quantile_disc's: the
-- ceil(n * q)-th smallest), so each is a token count that some request really had. They are read
-- from the requests counted per distinct count (a grouped pass, which DuckDB spills to disk
-- beyond its memory limit), not by quantile_disc, which holds every value in memory: 30M
-- requests' counts outgrew a 512 MB limit. The peak is the busiest minute's input + output
-- tokens. $window_seconds is the observed window.
CREATE OR REPLACE TEMP TABLE workload_stats AS
WITH peaks AS (
    SELECT workload, max(tokens) AS peak_tokens_per_minute
    FROM (
        SELECT workload, sum(input_tokens + output_tokens) AS tokens
        FROM scope
        GROUP BY workload, date_trunc('minute', ts)
    )
    GROUP BY workload
),
counts AS (  -- requests per workload and distinct input and output count
    SELECT workload, 'input' AS col, input_tokens AS v, count(*) AS n
    FROM scope WHERE input_tokens IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT workload, 'output' AS col, output_tokens AS v, count(*) AS n
    FROM scope WHERE output_tokens IS NOT NULL GROUP BY ALL
),
ranked AS (
    SELECT workload, col, v,
        sum(n) OVER (PARTITION BY workload, col ORDER BY v) AS below,  -- requests <= v
        sum(n) OVER (PARTITION BY workload, col)::DOUBLE AS total
    FROM counts
),
percentiles AS (  -- (in DOUBLE, as quantile_disc computes the rank)
    SELECT workload,
        [min(v) FILTER (WHERE col = 'input' AND below >= ceil(total * 0.5)),
         min(v) FILTER (WHERE col = 'input' AND below >= ceil(total * 0.95))] AS input_q,
        [min(v) FILTER (WHERE col = 'output' AND below >= ceil(total * 0.5)),
         min(v) FILTER (WHERE col = 'output' AND below >= ceil(total * 0.95))] AS output_q
    FROM ranked
    GROUP BY workload
),
stats AS (
    SELECT
        workload,
        any_value(workload_source)                     AS workload_source,
        count(*)                                       AS requests,
        sum(input_tokens)::BIGINT                      AS input_tokens,
        sum(output_tokens)::BIGINT                     AS output_tokens,
        sum(cached_input_tokens)::BIGINT               AS cached_input_tokens,
        avg(has_tools::INTEGER)                        AS tool_share,
        avg(has_images::INTEGER)                       AS image_share,
        avg((input_tokens > 32000)::INTEGER)           AS long_context_share,
        avg(tokens_counted::INTEGER)                   AS counted_share,
        count(*) * 86400 / $window_seconds             AS requests_per_day
    FROM scope
    GROUP BY workload
)
SELECT
    s.workload, s.workload_source, s.requests, s.input_tokens, s.output_tokens,
    s.cached_input_tokens,
    q.input_q[1] AS p50_input_tokens, q.input_q[2] AS p95_input_tokens,
    q.output_q[1] AS p50_output_tokens, q.output_q[2] AS p95_output_tokens,
    s.tool_share, s.image_share, s.long_context_share, s.counted_share, s.requests_per_day,
    p.peak_tokens_per_minute
FROM stats s
JOIN peaks p USING (workload)
LEFT JOIN percentiles q USING (workload)
