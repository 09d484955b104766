-- Stage 60: every `usage` row priced under every scenario, over the observed window, in exact
-- DECIMAL (monthly scaling and rounding happen once, in planner/projection/scenarios.py), at each parameter
-- set `s` of TEMP table plan_cost_params (planner/projection/scenarios.py): set 0 is the run's own, kept as
-- `costs`, one row per (workload, team, model, day, rule, route, tiers, cache), so that any other
-- grouping is a GROUP BY away; the other sets are the sensitivity's what-ifs, priced by the same
-- query (DuckDB plans it once, whatever the number of sets).
--   as_logged:   the model the request used (NULL when that model has no price, never 0);
--   frontier:    the frontier model (s.frontier);
--   routed:      the route's model. A request that is not sent to the distilled model (capability-
--                bound, or outside its envelope) stays on its "keep" model: the model it logged
--                (s.consolidate false, the default) or the frontier model (s.consolidate: the
--                user chose --frontier); a request whose model has no price keeps the frontier
--                model. A distilled-routed request writes s.verbosity x its output tokens, and
--                pays the expected cost of escalation: a share (the workload's rate, else
--                s.escalation) re-sent to its keep model, paying both. Every cost-bound request
--                pays the router (an embedding of up to stage 50's router tokens on s.router).
--                A semantic-cache hit pays only the router's lookup; requests without prompt
--                text are answered from cache at the assumed rate s.assumed_hit.
--   onprem_api:  what on-prem still pays the API: kept requests, escalations, the router, and
--                distilled-routed requests over the self-hosted context limit (at their routed
--                cost; the fleet's own cost is added in planner/projection/fleet.py).
-- own model: a request logged on an embedding, image or audio model (stage 55's route 'own
-- model: not a chat model') stays on that model in every scenario, all-frontier too: no router,
-- no cache, no escalation; its change is 0 but for the batch tier of a batch-eligible workload.
-- Routed and on-prem price the API traffic of batch-eligible workloads (s.batch_workloads) at
-- the batch tier of models that publish one.
-- Cache-read and cache-write tokens keep their bucket on the target model, and a request keeps
-- its service tier on every model that publishes that tier (standard rates where it does not).
-- A request in its own model's time-of-day window (stage 55, own_off_peak) pays that model's
-- off-peak rates as logged and where it stays on it; the frontier and distilled models are
-- priced at their standard rates whatever the time.
-- eff_*: the routed scenario's change against as-logged, split by cause (planner/projection/effects.py),
-- applied in this order: vendor consolidation (kept requests moved to the frontier model),
-- routing (distilled-routed requests at distilled prices), escalation, batch tier, semantic
-- cache, router. Requests without an as-logged price put their whole routed cost in
-- eff_unpriced instead (their change is unknown). The effects add up to routed - as_logged.
-- search_fee: the request's server-side web searches at the per-search fee of the provider that
-- bills its logged id (plan_search_prices, planner/projection/models.py: AWS for an id in
-- Bedrock's spelling, else its price entry's provider; 0 without searches, NULL
-- when that provider's fee is unknown: unpriced_searches counts them, never priced 0). Searches
-- are billed per search whatever model answers, so every scenario pays the same fee: it is
-- added to each scenario's cost (as_logged_cost too, where its tokens are priced) after the
-- effects, which it leaves unchanged.
-- The query is written in three steps (joined, raw, priced) so that each price and each of the
-- seven plan_cost calls is named once: a name reused in the SELECT that defines it is expanded
-- where it is used, and DuckDB would bind and optimise the whole cost expression again each time
-- (stage 60 was most of the planning time of a small log's run).
CREATE OR REPLACE TEMP TABLE scenario_costs AS
WITH joined AS (
    SELECT
        s.k,
        u.* EXCLUDE (is_minute, minute, sq_input, sq_output, cross_tokens),
        list_contains(s.batch_workloads, u.workload) AS batch_eligible,
        u.route = 'own model: not a chat model' AS x_stays_own,
        -- The keep model's price (own, or frontier) at the request's tier and at batch rates.
        (s.consolidate OR own.p IS NULL) AND NOT x_stays_own AS x_keeps_frontier,
        own.p AS x_own_p,
        f.p AS x_frontier_p,
        d.p AS x_distilled_p,
        CASE WHEN x_keeps_frontier THEN f.p ELSE own.p END AS x_keep_p,
        CASE WHEN x_keeps_frontier THEN u.frontier_lc ELSE u.own_lc END AS x_keep_lc,
        -- Routed prices: a batch-eligible workload's requests at the batch tier where the model
        -- publishes one.
        CASE WHEN x_keeps_frontier THEN coalesce(fb.p, f.p)
             ELSE coalesce(ob.p, own.p) END AS x_keep_batch_p,
        CASE WHEN batch_eligible THEN coalesce(db.p, d.p) ELSE d.p END AS x_distilled_batch_p,
        u.output_tokens * s.verbosity AS x_distilled_output,
        -- No router price (a table without the model): no router cost, and a warning says so.
        u.router_input_tokens * coalesce(r.p.input, 0) AS x_router_any_cost,
        coalesce(e.rate, s.escalation) AS x_escalation,
        CASE WHEN x_stays_own THEN 1
             WHEN u.cache_hit THEN 0
             WHEN u.cache_measured THEN 1
             ELSE 1 - s.assumed_hit END AS x_uncached_share,
        NOT own.published AS x_own_tier_unpublished,
        CASE WHEN coalesce(u.web_search_requests, 0) = 0 THEN 0
             ELSE u.web_search_requests * sp.per_search END AS x_search_fee
    FROM usage u
    CROSS JOIN plan_cost_params s
    -- Each model's price row for the row's service tier and day (stage 50, request_prices).
    LEFT JOIN plan_prices own ON own.model = u.priced_model
        AND own.tier = CASE WHEN u.own_off_peak THEN 'off-peak'
                            ELSE plan_price_tier(u.service_tier) END
        AND u.day >= own.valid_from AND u.day < own.valid_to
    JOIN plan_prices f ON f.model = s.frontier AND f.tier = plan_price_tier(u.service_tier)
        AND u.day >= f.valid_from AND u.day < f.valid_to
    JOIN plan_prices d ON d.model = s.distilled AND d.tier = plan_price_tier(u.service_tier)
        AND u.day >= d.valid_from AND u.day < d.valid_to
    LEFT JOIN plan_prices ob ON ob.model = u.priced_model AND ob.tier = 'batch'
        AND ob.published AND u.day >= ob.valid_from AND u.day < ob.valid_to
    LEFT JOIN plan_prices fb ON fb.model = s.frontier AND fb.tier = 'batch'
        AND fb.published AND u.day >= fb.valid_from AND u.day < fb.valid_to
    LEFT JOIN plan_prices db ON db.model = s.distilled AND db.tier = 'batch'
        AND db.published AND u.day >= db.valid_from AND u.day < db.valid_to
    LEFT JOIN plan_prices r ON r.model = s.router AND r.tier = 'standard'
        AND u.day >= r.valid_from AND u.day < r.valid_to
    LEFT JOIN plan_escalation e ON e.workload = u.workload
    LEFT JOIN plan_search_prices sp ON sp.model = u.model
    WHERE NOT u.is_minute
),
raw AS (
    SELECT
        *,
        plan_cost(input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
                  output_tokens, x_own_p, own_lc) AS x_as_logged_cost,
        plan_cost(input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
                  output_tokens, x_frontier_p, frontier_lc) AS x_frontier_cost,
        plan_cost(input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
                  output_tokens, x_keep_p, x_keep_lc) AS x_keep_std_cost,
        plan_cost(input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
                  output_tokens, x_keep_batch_p, x_keep_lc) AS x_keep_batch_cost,
        plan_cost(input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
                  x_distilled_output, x_distilled_p, distilled_lc) AS x_distilled_std_cost,
        plan_cost(input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
                  x_distilled_output, x_distilled_batch_p, distilled_lc) AS x_distilled_cost
    FROM joined
),
priced AS (
    SELECT
        * EXCLUDE (x_stays_own, x_keeps_frontier, x_own_p, x_frontier_p, x_distilled_p,
                   x_keep_p, x_keep_lc, x_keep_batch_p, x_distilled_batch_p, x_distilled_output,
                   x_router_any_cost, x_escalation, x_uncached_share, x_own_tier_unpublished,
                   x_as_logged_cost, x_frontier_cost, x_keep_std_cost, x_keep_batch_cost,
                   x_distilled_std_cost, x_distilled_cost, x_search_fee),
        x_as_logged_cost AS token_as_logged_cost,
        x_stays_own AS stays_own,
        CASE WHEN x_stays_own THEN x_as_logged_cost ELSE x_frontier_cost END AS token_frontier_cost,
        x_search_fee AS search_fee,
        coalesce(x_search_fee, 0) AS fee,
        CASE WHEN x_search_fee IS NULL THEN web_search_requests ELSE 0 END AS unpriced_searches,
        x_keeps_frontier AS keeps_frontier,
        x_keep_std_cost AS keep_std_cost,
        CASE WHEN NOT batch_eligible THEN x_keep_std_cost ELSE x_keep_batch_cost END AS keep_cost,
        x_distilled_std_cost AS distilled_std_cost,
        x_distilled_cost AS distilled_cost,
        route = 'distilled' AS to_distilled,
        x_router_any_cost AS router_any_cost,
        CASE WHEN label = 'cost-bound' AND NOT x_stays_own THEN x_router_any_cost ELSE 0 END
            AS router_cost,
        x_escalation AS escalation,
        x_uncached_share AS uncached_share,
        x_own_tier_unpublished AS own_tier_unpublished
    FROM raw
)
SELECT
    * EXCLUDE (distilled_cost, distilled_std_cost, keep_std_cost, keep_cost, router_any_cost,
               to_distilled, keeps_frontier, stays_own, token_as_logged_cost,
               token_frontier_cost, fee),
    token_as_logged_cost + fee AS as_logged_cost,
    token_frontier_cost + fee AS frontier_cost,
    -- For the routing curve (stage 65), before the cache: the row on its keep model, and the row
    -- sent through the router (to the distilled model where it fits its envelope), whatever its
    -- label.
    keep_cost + fee AS curve_frontier_cost,
    fee + CASE WHEN stays_own THEN keep_cost ELSE router_any_cost + CASE WHEN in_envelope
        THEN distilled_cost + escalation * keep_cost ELSE keep_cost END END AS curve_routed_cost,
    fee + router_cost + uncached_share * CASE WHEN to_distilled
        THEN distilled_cost + escalation * keep_cost
        ELSE keep_cost END AS routed_cost,
    fee + router_cost + uncached_share * CASE WHEN to_distilled AND over_onprem_context
        THEN distilled_cost + escalation * keep_cost
        WHEN to_distilled THEN escalation * keep_cost
        ELSE keep_cost END AS onprem_api_cost,
    -- The distilled-routed traffic's API cost routed, and what on-prem still pays for it: the
    -- break-even volume sets the fleet against their difference.
    -- The tokens the self-hosted fleet serves: its fixed cost is shared by them, in the report's
    -- workloads (stage 70) and in every export's groups (planner/outputs/export.py) alike.
    CASE WHEN to_distilled AND NOT cache_hit AND NOT over_onprem_context
        THEN input_tokens + output_tokens ELSE 0 END AS fleet_tokens,
    CASE WHEN to_distilled AND NOT over_onprem_context THEN uncached_share * (distilled_cost
        + escalation * keep_cost) ELSE 0 END AS offload_routed_cost,
    CASE WHEN to_distilled AND NOT over_onprem_context
        THEN uncached_share * escalation * keep_cost ELSE 0 END AS offload_onprem_cost,
    -- The routed change split by cause (see the header); 0 where a cause does not apply.
    CASE WHEN token_as_logged_cost IS NULL OR to_distilled THEN 0
         ELSE keep_std_cost - token_as_logged_cost END AS eff_consolidation,
    CASE WHEN token_as_logged_cost IS NOT NULL AND to_distilled
         THEN distilled_std_cost - token_as_logged_cost ELSE 0 END AS eff_routing,
    CASE WHEN token_as_logged_cost IS NOT NULL AND to_distilled
         THEN escalation * keep_std_cost ELSE 0 END AS eff_escalation,
    CASE WHEN token_as_logged_cost IS NULL THEN 0
         WHEN to_distilled THEN distilled_cost - distilled_std_cost
             + escalation * (keep_cost - keep_std_cost)
         ELSE keep_cost - keep_std_cost END AS eff_batch,
    CASE WHEN token_as_logged_cost IS NULL THEN 0
         ELSE (uncached_share - 1) * CASE WHEN to_distilled
             THEN distilled_cost + escalation * keep_cost ELSE keep_cost END END AS eff_cache,
    CASE WHEN token_as_logged_cost IS NULL THEN 0 ELSE router_cost END AS eff_router,
    CASE WHEN token_as_logged_cost IS NULL THEN fee + router_cost + uncached_share * CASE
        WHEN to_distilled THEN distilled_cost + escalation * keep_cost ELSE keep_cost END
        ELSE 0 END AS eff_unpriced
FROM priced
;
CREATE OR REPLACE TABLE costs AS
SELECT * EXCLUDE (k) FROM scenario_costs WHERE k = 0
