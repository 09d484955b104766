-- Stage 70: per-workload labels and scenario cost sums over the observed window (exact DECIMAL;
-- monthly scaling and rounding happen once, in planner/projection/scenarios.py).
CREATE OR REPLACE TEMP TABLE workload_costs AS
SELECT
    workload,
    coalesce(sum(requests) FILTER (WHERE label = 'capability-bound'), 0) / sum(requests)
                                                                 AS capability_share,
    bool_or(rule = 'override')                                   AS overridden,
    coalesce(sum(requests) FILTER (WHERE as_logged_cost IS NULL), 0)::BIGINT
                                                                 AS unpriced_requests,
    coalesce(sum(as_logged_cost), 0)                             AS as_logged,
    sum(frontier_cost)                                           AS frontier,
    sum(routed_cost)                                             AS routed,
    sum(onprem_api_cost)                                         AS onprem_api,
    sum(fleet_tokens)::BIGINT                                    AS onprem_tokens,
    coalesce(sum(requests) FILTER (WHERE cache_hit), 0)::BIGINT       AS cache_hits,
    coalesce(sum(requests) FILTER (WHERE route LIKE 'frontier: %'), 0)::BIGINT
                                                                 AS envelope_overflow
FROM costs
GROUP BY workload
;
-- Which rules labelled each workload's requests, most requests first.
CREATE OR REPLACE TEMP TABLE workload_reasons AS
SELECT workload, rule, label, sum(requests)::BIGINT AS requests
FROM costs
GROUP BY workload, rule, label
