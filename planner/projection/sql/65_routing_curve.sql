-- Stage 65: the routing curve (issue 22). Requests are sent to the distilled model in order of
-- how confidently they are cost-bound (stage 55's score_bin, 19 first); point k sends every
-- request of bin >= k through the router (to the distilled model where it fits its envelope)
-- and keeps the rest on frontier. k = 20 sends none (the all-frontier cost, unless batch
-- workloads are priced at batch rates); k = 10 sends exactly the cost-bound requests (the
-- routed scenario before its semantic cache); k = 0 sends everything in the envelope. Costs are
-- over the observed window, in exact DECIMAL, before the cache (the cache has a curve of its
-- own); planner/projection/curves.py scales them to a month.
SELECT
    k.k AS min_bin,
    sum(CASE WHEN c.score_bin >= k.k THEN c.curve_routed_cost ELSE c.curve_frontier_cost END)
        AS window_cost,
    coalesce(sum(c.requests) FILTER (WHERE c.score_bin >= k.k AND c.in_envelope), 0)::BIGINT
        AS distilled_requests,
    coalesce(sum(c.requests) FILTER (WHERE c.score_bin >= k.k AND c.in_envelope
                                     AND c.rule = 'default'), 0)::BIGINT AS on_default,
    sum(c.requests)::BIGINT AS requests
FROM costs c
CROSS JOIN range(0, 21) k(k)
GROUP BY k.k
ORDER BY k.k DESC
