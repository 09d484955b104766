-- Stage 80: the token quantities each scenario pays for, per workload, model and price tier, over
-- the observed window. The JSON report carries them so that `plan diff` can re-price one
-- report's traffic at the other's prices (the price part of a change). `weight` is the share of
-- the quantities paid: 1, or the escalation share for the retry of distilled traffic on the
-- request's keep model (stage 60: the model it logged, or $frontier when $consolidate or when
-- that model has no price). A request on a model that is not a chat model (route 'own model:
-- not a chat model') stays on it in every scenario.
WITH q AS (
    SELECT
        workload, route, priced_model, frontier_lc, distilled_lc, own_lc,
        sum(requests) AS requests,
        sum(input_tokens - cached_input_tokens - cache_write_tokens) AS input_tokens,
        sum(cached_input_tokens) AS cached_input_tokens,
        sum(cache_write_tokens) AS cache_write_tokens,
        sum(output_tokens) AS output_tokens,
        sum(cache_write_1h_tokens) AS cache_write_1h_tokens
    FROM costs
    GROUP BY ALL
),
kept AS (
    SELECT
        q.*,
        ($consolidate OR priced_model IS NULL) AND route <> 'own model: not a chat model'
            AS keeps_frontier,
        CASE WHEN keeps_frontier THEN $frontier ELSE priced_model END AS keep_model,
        CASE WHEN keeps_frontier THEN frontier_lc ELSE own_lc END AS keep_lc
    FROM q
),
lines AS (
    SELECT workload, 'as-logged' AS scenario, priced_model AS model, own_lc AS long_context,
           '1' AS weight, q.* EXCLUDE (workload)
    FROM q WHERE priced_model IS NOT NULL
    UNION ALL
    SELECT workload, 'all-frontier',
           CASE WHEN route = 'own model: not a chat model' THEN priced_model ELSE $frontier END,
           CASE WHEN route = 'own model: not a chat model' THEN own_lc ELSE frontier_lc END,
           '1', q.* EXCLUDE (workload) FROM q
    UNION ALL
    SELECT workload, 'routed', $distilled, distilled_lc, '1', q.* EXCLUDE (workload)
    FROM q WHERE route = 'distilled'
    UNION ALL
    SELECT workload, 'routed', keep_model, keep_lc,
           CASE WHEN route = 'distilled' THEN $escalation ELSE '1' END,
           kept.* EXCLUDE (workload, keep_model, keep_lc, keeps_frontier)
    FROM kept
    UNION ALL
    SELECT workload, 'on-prem', keep_model, keep_lc,
           CASE WHEN route = 'distilled' THEN $escalation ELSE '1' END,
           kept.* EXCLUDE (workload, keep_model, keep_lc, keeps_frontier)
    FROM kept
)
SELECT
    workload, scenario, model, long_context, weight,
    sum(requests)::BIGINT, sum(input_tokens)::BIGINT, sum(cached_input_tokens)::BIGINT,
    sum(cache_write_tokens)::BIGINT, sum(output_tokens)::BIGINT,
    sum(cache_write_1h_tokens)::BIGINT
FROM lines
GROUP BY ALL
ORDER BY workload, scenario, model, long_context, weight
