-- Stage 50: label and route every request, then add them up. {rule_case} is the CASE
-- expression compiled from the rules file (planner/rules.py: condition templates from an
-- allowlist, every value a bound parameter); it yields the index of the first matching rule, or
-- NULL. An override pins a whole workload.
--
-- route: capability-bound requests, and cost-bound ones outside the distilled model's envelope
-- (its context window; images when it is text-only), stay on the frontier model ($frontier);
-- the rest go to the distilled model ($distilled).
--
-- Prices are linear in tokens, so requests that share a model, a route and a price tier cost
-- the same as their token sums: `usage` keeps one row per (workload, team, model, day, rule,
-- route, long-context tiers, service tier, whether the log recorded a cost or text) and stage
-- 60 prices
-- those rows, not a million requests. The second
-- grouping set adds up the distilled-routed tokens per minute, for on-prem sizing (stage 75).
CREATE OR REPLACE TEMP TABLE usage AS
WITH labelled AS (
    SELECT s.*, {rule_case} AS rule_idx
    FROM scope s
    JOIN workload_stats w USING (workload)
),
routed AS (
    SELECT
        l.*,
        CASE
            WHEN o.label IS NOT NULL THEN 'override'
            WHEN l.rule_idx IS NOT NULL THEN r.name
            ELSE 'default'
        END AS rule,
        coalesce(o.label, r.label, $default_label) AS label,
        mm.entry AS priced_model,
        own.p.lc_above IS NOT NULL AND l.input_tokens > own.p.lc_above AS own_lc,
        f.p.lc_above IS NOT NULL AND l.input_tokens > f.p.lc_above AS frontier_lc,
        d.p.lc_above IS NOT NULL AND l.input_tokens > d.p.lc_above AS distilled_lc,
        CASE
            WHEN coalesce(o.label, r.label, $default_label) = 'capability-bound' THEN 'frontier'
            WHEN l.input_tokens > d.context_window THEN 'frontier: over distilled context window'
            WHEN l.has_images AND NOT d.multimodal THEN 'frontier: images, distilled is text-only'
            ELSE 'distilled'
        END AS route
    FROM labelled l
    LEFT JOIN plan_rules r ON r.idx = l.rule_idx
    LEFT JOIN plan_overrides o ON o.workload = l.workload
    LEFT JOIN plan_model_map mm ON mm.raw_model IS NOT DISTINCT FROM l.model
    LEFT JOIN plan_prices own ON own.model = mm.entry
    CROSS JOIN (SELECT p FROM plan_prices WHERE model = $frontier) f
    CROSS JOIN (SELECT p, context_window, multimodal FROM plan_prices WHERE model = $distilled) d
)
SELECT
    grouping(minute) = 0                    AS is_minute,
    workload, team, model, priced_model, day, rule, label, route,
    own_lc, frontier_lc, distilled_lc, service_tier, has_logged_cost, has_text, minute,
    count(*)                                AS requests,
    sum(input_tokens)::BIGINT               AS input_tokens,
    sum(output_tokens)::BIGINT              AS output_tokens,
    sum(cached_input_tokens)::BIGINT        AS cached_input_tokens,
    sum(cache_write_tokens)::BIGINT         AS cache_write_tokens,
    sum(reasoning_tokens)::BIGINT           AS reasoning_tokens,
    sum(logged_cost)                        AS logged_cost
FROM (
    SELECT
        *,
        ts::DATE AS day,
        logged_cost IS NOT NULL AS has_logged_cost,
        rule_text <> '' AS has_text,
        CASE WHEN route = 'distilled' THEN date_trunc('minute', ts) END AS minute
    FROM routed
)
GROUP BY GROUPING SETS (
    (workload, team, model, priced_model, day, rule, label, route,
     own_lc, frontier_lc, distilled_lc, service_tier, has_logged_cost, has_text),
    (minute)
)
