-- Stage 60: every `usage` row priced under every scenario, over the observed window, in exact
-- DECIMAL (monthly scaling and rounding happen once, in planner/scenarios.py). Kept as a table,
-- one row per (workload, team, model, day, rule, route, tiers), so that any other grouping is a
-- GROUP BY away.
--   as_logged:  the model the request used (NULL when that model has no price, never 0);
--   frontier:   the frontier model ($frontier);
--   routed:     the route's model; a distilled-routed request also pays the expected cost of
--               escalation: a share ($escalation) re-sent to frontier, paying both;
--   onprem_api: what on-prem still pays the API: frontier-routed requests plus escalations.
-- Cache-read and cache-write tokens keep their bucket on the target model.
CREATE OR REPLACE TABLE costs AS
WITH priced AS (
    SELECT
        u.* EXCLUDE (is_minute, minute),
        plan_cost(u.input_tokens, u.cached_input_tokens, u.cache_write_tokens,
                  u.output_tokens, own.p, u.own_lc) AS as_logged_cost,
        plan_cost(u.input_tokens, u.cached_input_tokens, u.cache_write_tokens,
                  u.output_tokens, f.p, u.frontier_lc) AS frontier_cost,
        plan_cost(u.input_tokens, u.cached_input_tokens, u.cache_write_tokens,
                  u.output_tokens, d.p, u.distilled_lc) AS distilled_cost
    FROM usage u
    LEFT JOIN plan_prices own ON own.model = u.priced_model
    CROSS JOIN (SELECT p FROM plan_prices WHERE model = $frontier) f
    CROSS JOIN (SELECT p FROM plan_prices WHERE model = $distilled) d
    WHERE NOT u.is_minute
)
SELECT
    * EXCLUDE (distilled_cost),
    CASE WHEN route = 'distilled'
        THEN distilled_cost + CAST($escalation AS DECIMAL(7, 6)) * frontier_cost
        ELSE frontier_cost END AS routed_cost,
    CASE WHEN route = 'distilled'
        THEN CAST($escalation AS DECIMAL(7, 6)) * frontier_cost
        ELSE frontier_cost END AS onprem_api_cost
FROM priced
