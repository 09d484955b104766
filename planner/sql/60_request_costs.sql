-- Stage 60: every request priced under every scenario, before monthly scaling. Kept as a table
-- so any grouping (team, model, day, ...) is a GROUP BY away without re-reading the logs.
--   as_logged: the model the request used (NULL when that model has no price);
--   frontier:  the frontier model ($frontier);
--   routed:    capability-bound and out-of-envelope requests on frontier; the rest on the
--              distilled model ($distilled) plus the expected cost of escalation, a share
--              ($escalation) re-sent to frontier, paying both;
--   onprem_api: what on-prem still pays the API: frontier-routed requests plus escalations.
-- Cached and cache-write tokens keep their bucket on the target model.
CREATE OR REPLACE TABLE request_costs AS
WITH priced AS (
    SELECT
        l.*,
        rl.rule,
        rl.label,
        own.model AS priced_model,
        own.p AS own_p,
        CASE
            WHEN rl.label = 'capability-bound' THEN 'frontier'
            WHEN l.input_tokens > d.context_window THEN 'frontier: over distilled context window'
            WHEN l.has_images AND NOT d.multimodal THEN 'frontier: images, distilled is text-only'
            ELSE 'distilled'
        END AS route,
        plan_request_cost(l.input_tokens, l.cached_input_tokens, l.cache_write_tokens,
                          l.output_tokens, f.p) AS frontier_cost,
        plan_request_cost(l.input_tokens, l.cached_input_tokens, l.cache_write_tokens,
                          l.output_tokens, d.p) AS distilled_cost
    FROM scope l
    JOIN request_labels rl USING (file_id, line_no)
    LEFT JOIN plan_model_map mm ON mm.raw_model IS NOT DISTINCT FROM l.model
    LEFT JOIN plan_prices own ON own.model = mm.entry
    CROSS JOIN (SELECT p FROM plan_prices WHERE model = $frontier) f
    CROSS JOIN (SELECT p, context_window, multimodal FROM plan_prices WHERE model = $distilled) d
)
SELECT
    file_id, line_no, request_id, ts, workload, model, priced_model, team, task_type,
    input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
    has_images, tool_calls, rule, label, route,
    plan_request_cost(input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, own_p)
        AS as_logged_cost,
    frontier_cost,
    CASE WHEN route = 'distilled'
        THEN distilled_cost + CAST($escalation AS DECIMAL(7, 6)) * frontier_cost
        ELSE frontier_cost END AS routed_cost,
    CASE WHEN route = 'distilled'
        THEN CAST($escalation AS DECIMAL(7, 6)) * frontier_cost
        ELSE frontier_cost END AS onprem_api_cost
FROM priced
