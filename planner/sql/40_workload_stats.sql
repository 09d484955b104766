-- Stage 40: token statistics per workload. Percentiles are nearest-rank (quantile_disc), so each
-- is a token count that some request really had. $window_seconds is the observed window.
CREATE OR REPLACE TEMP TABLE workload_stats AS
WITH per_minute AS (
    SELECT workload, sum(input_tokens + output_tokens) AS tokens
    FROM scope
    GROUP BY workload, date_trunc('minute', ts)
)
SELECT
    s.workload,
    any_value(s.workload_source)                   AS workload_source,
    count(*)                                       AS requests,
    sum(s.input_tokens)::BIGINT                    AS input_tokens,
    sum(s.output_tokens)::BIGINT                   AS output_tokens,
    sum(s.cached_input_tokens)::BIGINT             AS cached_input_tokens,
    quantile_disc(s.input_tokens, 0.5)             AS p50_input_tokens,
    quantile_disc(s.input_tokens, 0.95)            AS p95_input_tokens,
    quantile_disc(s.output_tokens, 0.5)            AS p50_output_tokens,
    quantile_disc(s.output_tokens, 0.95)           AS p95_output_tokens,
    avg(s.has_tools::INTEGER)                      AS tool_share,
    avg(s.has_images::INTEGER)                     AS image_share,
    avg((s.input_tokens > 32000)::INTEGER)         AS long_context_share,
    avg(s.tokens_counted::INTEGER)                 AS counted_share,
    count(*) * 86400 / $window_seconds             AS requests_per_day,
    (SELECT max(tokens) FROM per_minute m WHERE m.workload = s.workload) AS peak_tokens_per_minute
FROM scope s
GROUP BY s.workload
