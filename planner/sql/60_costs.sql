-- Stage 60: every `usage` row priced under every scenario, over the observed window, in exact
-- DECIMAL (monthly scaling and rounding happen once, in planner/scenarios.py). Kept as a table,
-- one row per (workload, team, model, day, rule, route, tiers), so that any other grouping is a
-- GROUP BY away.
--   as_logged:  the model the request used (NULL when that model has no price, never 0);
--   frontier:   the frontier model ($frontier);
--   routed:     the route's model; a distilled-routed request also pays the expected cost of
--               escalation: a share ($escalation) re-sent to frontier, paying both;
--   onprem_api: what on-prem still pays the API: frontier-routed requests plus escalations.
-- Cache-read and cache-write tokens keep their bucket on the target model, and a request keeps
-- its service tier on every model that publishes that tier (standard rates where it does not).
CREATE OR REPLACE TABLE costs AS
WITH priced AS (
    SELECT
        u.* EXCLUDE (is_minute, minute),
        plan_cost(u.input_tokens, u.cached_input_tokens, u.cache_write_tokens,
                  u.output_tokens, own.p, u.own_lc) AS as_logged_cost,
        plan_cost(u.input_tokens, u.cached_input_tokens, u.cache_write_tokens,
                  u.output_tokens, f.p, u.frontier_lc) AS frontier_cost,
        plan_cost(u.input_tokens, u.cached_input_tokens, u.cache_write_tokens,
                  u.output_tokens, d.p, u.distilled_lc) AS distilled_cost,
        NOT own.published AS own_tier_unpublished
    FROM usage u
    -- Each model's price row for the row's service tier and day (stage 50, request_prices).
    LEFT JOIN plan_prices own ON own.model = u.priced_model
        AND own.tier = plan_price_tier(u.service_tier)
        AND u.day >= own.valid_from AND u.day < own.valid_to
    JOIN plan_prices f ON f.model = $frontier AND f.tier = plan_price_tier(u.service_tier)
        AND u.day >= f.valid_from AND u.day < f.valid_to
    JOIN plan_prices d ON d.model = $distilled AND d.tier = plan_price_tier(u.service_tier)
        AND u.day >= d.valid_from AND u.day < d.valid_to
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
