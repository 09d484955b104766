-- Stage 55: route every labelled request (stage 50), then add them up.
--
-- route: capability-bound requests, and cost-bound ones outside the distilled model's envelope
-- (its context window; images when it is text-only; more tool calls than $max_tool_calls), stay
-- on the frontier model ($frontier), and so do cost-bound ones scored below the routing point the
-- scenario file chose ($min_score_bin: routing_min_score x 20, a bin of the routing curve);
-- the rest go to the distilled model ($distilled). A request logged on a model that is not a
-- chat model (an embedding, image or audio model: the price table's `kind`) stays on that model,
-- whatever its label: no chat model can answer it.
-- over_onprem_context: a request longer (input + output tokens) than the self-hosted profile's
-- context limit (stage 4's plan_selfhosted): on-prem sends it to the distilled API instead of
-- the fleet, and the fleet is not sized for it.
--
-- Prices are linear in tokens, so requests that share a model, a route and a price tier cost
-- the same as their token sums: `usage` keeps one row per (workload, team, model, day, rule,
-- domain, task type, route, long-context tiers, service tier, whether the log recorded a cost
-- or text) and stage 60 prices those rows, not a million requests. The second
-- grouping set adds up the distilled-routed tokens per minute, for on-prem sizing (stage 75).
-- What routing and long-context tiers need of the prices, once per (logged model, day, logged
-- service tier) rather than per request: the entry the model is priced at, and the long-context
-- thresholds and distilled envelope in force that day at that tier (--price-at current: one
-- period; request-time: the dated period).
CREATE OR REPLACE TEMP TABLE request_prices AS
SELECT
    k.model, k.day, k.service_tier,
    mm.entry                AS priced_model,
    own.p.lc_above          AS own_lc_above,
    own.off_from            AS own_off_from,
    own.off_to              AS own_off_to,
    own.kind                AS own_kind,
    f.p.lc_above            AS frontier_lc_above,
    d.p.lc_above            AS distilled_lc_above,
    d.context_window        AS distilled_context_window,
    d.multimodal            AS distilled_multimodal
FROM (SELECT DISTINCT model, service_tier, plan_price_tier(service_tier) AS price_tier,
             unnest(generate_series(first_day, last_day, INTERVAL 1 DAY))::DATE AS day
      FROM plan_logged) k   -- stage 4 (planner/projection/models.py): logged models, tiers and days
LEFT JOIN plan_model_map mm ON mm.raw_model IS NOT DISTINCT FROM k.model
LEFT JOIN plan_prices own ON own.model = mm.entry AND own.tier = k.price_tier
    AND k.day >= own.valid_from AND k.day < own.valid_to
JOIN plan_prices f ON f.model = $frontier AND f.tier = k.price_tier
    AND k.day >= f.valid_from AND k.day < f.valid_to
JOIN plan_prices d ON d.model = $distilled AND d.tier = k.price_tier
    AND k.day >= d.valid_from AND k.day < d.valid_to
;
-- A semantic-cache hit: the same normalised prompt (case, whitespace, and numbers and ids (any
-- word holding a digit) masked) in the same workload at most $cache_ttl_seconds earlier (the
-- entry is refreshed by each use), or, when the scenario file chooses a similarity threshold
-- ($cache_similarity; NULL: none), a sampled request with an earlier near repeat at least that
-- similar within the TTL (stage 58's cache_best). Only requests with prompt text are measured; a
-- table of its own, so that the window sorts those requests alone.
CREATE OR REPLACE TEMP TABLE cache_hits AS
SELECT
    e.file_id,
    e.line_no,
    e.cache_hit OR coalesce(n.best >= CAST($cache_similarity AS DOUBLE), false) AS cache_hit
FROM (SELECT
    file_id,
    line_no,
    coalesce(epoch(ts) - epoch(lag(ts) OVER (PARTITION BY prompt_key
                                             ORDER BY ts, file_id, line_no))
             <= $cache_ttl_seconds, false) AS cache_hit
FROM (
    SELECT file_id, line_no, ts, hash(workload, prompt_key) AS prompt_key  -- plan_prompt_key
    FROM scope
    WHERE prompt_key IS NOT NULL
)) e
LEFT JOIN cache_best n ON n.file_id = e.file_id AND n.line_no = e.line_no
;
-- Requests are summed by small codes (the rule's index, the route's index in $routes), and the
-- codes named after, on the few summed rows. The same pass sums what stage 57 reports of each
-- workload's labels (how many requests look hard, and the one to show as the example), so that
-- no stage reads the requests again: per row of the first grouping set, whose keys include
-- workload, rule and label, then added up per (workload, rule, label) from those few rows
-- (usage_evidence; a third grouping set would compute every sum a third time over every
-- request).
CREATE OR REPLACE TEMP TABLE usage_sums AS
WITH labelled AS (
    SELECT
        *,
        ts::DATE AS day,
        -- How confidently cost-bound, in 20 bins (issue 22's routing curve sends the highest
        -- first): cost-bound requests 10-19 and capability-bound ones 0-9, each lower the more
        -- of its nearest examples' vote is for capability-bound work (no text: 19 or 0).
        CASE WHEN label = 'cost-bound'
             THEN least(19, floor(20 * (1 - 0.5 * coalesce(sim_cap_vote, 0))))
             ELSE least(9, floor(10 * (1 - coalesce(sim_cap_vote, 1)))) END::INTEGER
            AS score_bin
    FROM labelled_requests
),
routed AS (
    SELECT
        l.*,
        coalesce(l.input_tokens > rp.own_lc_above, false) AS own_lc,
        coalesce(l.input_tokens > rp.frontier_lc_above, false) AS frontier_lc,
        coalesce(l.input_tokens > rp.distilled_lc_above, false) AS distilled_lc,
        CASE  -- an index into $routes (5: distilled)
            WHEN rp.own_kind <> 'chat' THEN 7  -- not a chat model: stays on it
            WHEN l.label = 'capability-bound' THEN 1
            WHEN l.score_bin < $min_score_bin THEN 6  -- below the chosen routing point
            WHEN l.input_tokens > rp.distilled_context_window THEN 2
            WHEN l.has_images AND NOT rp.distilled_multimodal THEN 3
            WHEN l.tool_calls > CAST($max_tool_calls AS BIGINT) THEN 4
            ELSE 5
        END AS route_idx,
        -- whether the distilled model could serve it at all, whatever its label
        coalesce(rp.own_kind, 'chat') = 'chat'
        AND NOT coalesce(l.input_tokens > rp.distilled_context_window
                     OR (l.has_images AND NOT rp.distilled_multimodal)
                     OR l.tool_calls > CAST($max_tool_calls AS BIGINT), false) AS in_envelope,
        coalesce(c.cache_hit, false) AS cache_hit,
        -- A standard-tier request inside its model's time-of-day window pays the off-peak rate
        -- on that model (stage 60; the window may wrap past midnight).
        coalesce(plan_price_tier(l.service_tier) = 'standard'
                 AND CASE WHEN rp.own_off_from <= rp.own_off_to
                          THEN hour(l.ts) * 60 + minute(l.ts) >= rp.own_off_from
                               AND hour(l.ts) * 60 + minute(l.ts) < rp.own_off_to
                          ELSE hour(l.ts) * 60 + minute(l.ts) >= rp.own_off_from
                               OR hour(l.ts) * 60 + minute(l.ts) < rp.own_off_to END,
                 false) AS own_off_peak,
        coalesce(l.input_tokens + l.output_tokens > (SELECT max_context FROM plan_selfhosted
                                                     WHERE model = $distilled), false)
            AS over_onprem_context
    FROM labelled l
    JOIN request_prices rp ON rp.model IS NOT DISTINCT FROM l.model AND rp.day = l.day
        AND rp.service_tier IS NOT DISTINCT FROM l.service_tier
    LEFT JOIN cache_hits c ON c.file_id = l.file_id AND c.line_no = l.line_no
),
fleet AS (
    SELECT
        *,
        logged_cost IS NOT NULL AS has_logged_cost,
        text_hash IS NOT NULL AS has_text,
        has_prompt AS cache_measured,
        -- The self-hosted fleet serves distilled-routed requests the cache did not answer,
        -- within its context limit.
        CASE WHEN route_idx = 5 AND NOT cache_hit AND NOT over_onprem_context
             THEN date_trunc('minute', ts) END AS minute
    FROM routed
),
-- Two sums of the same rows, written apart rather than as GROUPING SETS, which would compute
-- every aggregate, the example's arg_max among them, for each minute too.
summed AS (
    SELECT
        false                                   AS is_minute,
        workload, team, model, day, rule, label, domain, task_type, route_idx,
        own_lc, frontier_lc, distilled_lc, service_tier, has_logged_cost, has_text, cache_hit,
        cache_measured, in_envelope, score_bin, over_onprem_context, own_off_peak,
        NULL::TIMESTAMP                         AS minute,
        count(*)                                AS requests,
        sum(input_tokens)::BIGINT               AS input_tokens,
        sum(output_tokens)::BIGINT              AS output_tokens,
        sum(cached_input_tokens)::BIGINT        AS cached_input_tokens,
        sum(cache_write_tokens)::BIGINT         AS cache_write_tokens,
        sum(cache_write_1h_tokens)::BIGINT      AS cache_write_1h_tokens,
        sum(reasoning_tokens)::BIGINT           AS reasoning_tokens,
        sum(logged_cost)                        AS logged_cost,
        sum(logged_fee)                         AS logged_fee,
        count(logged_fee)                       AS fee_requests,
        sum(web_search_requests)::BIGINT        AS web_search_requests,
        sum(least(input_tokens, $router_tokens))::BIGINT AS router_input_tokens,
        -- Per-request squares, for each minute's burst variance (stage 75; DOUBLE: statistics,
        -- not money, and squares of large counts would overflow BIGINT sums; summed over the
        -- requests the fleet serves, on route rows too).
        sum(input_tokens::DOUBLE * input_tokens) FILTER (WHERE minute IS NOT NULL) AS sq_input,
        sum(output_tokens::DOUBLE * output_tokens) FILTER (WHERE minute IS NOT NULL)
            AS sq_output,
        sum(input_tokens::DOUBLE * output_tokens) FILTER (WHERE minute IS NOT NULL)
            AS cross_tokens,
        -- for stage 57: requests that look hard for a distilled model (2,000+ reasoning or
        -- 4,000+ output tokens), and the example (most similar to an example of its domain,
        -- else the first by position)
        count(*) FILTER (WHERE reasoning_tokens >= 2000 OR output_tokens >= 4000) AS hard,
        arg_max({'file_id': file_id, 'line_no': line_no},
                (coalesce(sim_top, -1), -file_id, -line_no)) AS ex,
        max((coalesce(sim_top, -1), -file_id, -line_no)) AS ex_key
    FROM fleet
    GROUP BY workload, team, model, day, rule, label, domain, task_type, route_idx,
         own_lc, frontier_lc, distilled_lc, service_tier, has_logged_cost, has_text, cache_hit,
         cache_measured, in_envelope, score_bin, over_onprem_context, own_off_peak
    UNION ALL
    -- Per minute, what stage 75 and the fleet (planner/projection/fleet.py) read of a minute:
    -- its tokens and their squares (the other sums stay NULL on minute rows: nothing reads them).
    SELECT
        true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        minute, count(*), sum(input_tokens)::BIGINT, sum(output_tokens)::BIGINT,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        sum(input_tokens::DOUBLE * input_tokens), sum(output_tokens::DOUBLE * output_tokens),
        sum(input_tokens::DOUBLE * output_tokens),
        NULL, NULL, NULL
    FROM fleet
    GROUP BY minute
)
SELECT * FROM summed
;
CREATE OR REPLACE TEMP TABLE usage_evidence AS
WITH e AS (
    SELECT
        workload, rule, label,
        sum(requests)::BIGINT AS requests, sum(hard)::BIGINT AS hard, arg_max(ex, ex_key) AS ex
    FROM usage_sums
    WHERE NOT is_minute
    GROUP BY workload, rule, label
)
-- the example's fields, read for the few examples only
SELECT
    e.workload, e.rule, e.label, e.requests, e.hard,
    {'file_id': s.file_id, 'line_no': s.line_no, 'text_hash': s.text_hash,
     'task_type': s.task_type, 'tool_calls': s.tool_calls, 'has_images': s.has_images,
     'has_tools': s.has_tools, 'has_audio': s.has_audio, 'has_files': s.has_files,
     'tool_defs': s.tool_defs, 'turns': s.turns, 'computer_tool': s.computer_tool,
     'input_tokens': s.input_tokens,
     'output_tokens': s.output_tokens, 'reasoning_tokens': s.reasoning_tokens} AS ex
FROM e
JOIN scope s ON s.file_id = e.ex.file_id AND s.line_no = e.ex.line_no
;
CREATE OR REPLACE TEMP TABLE usage AS
SELECT
    u.is_minute, u.workload, u.team, u.model, rp.priced_model, u.day, u.rule, u.label,
    CAST($routes AS VARCHAR[])[u.route_idx] AS route,
    u.* EXCLUDE (is_minute, workload, team, model, day, rule, label, route_idx, hard, ex,
                 ex_key)
FROM usage_sums u
LEFT JOIN (SELECT DISTINCT model, priced_model FROM request_prices) rp
    ON rp.model IS NOT DISTINCT FROM u.model AND NOT u.is_minute
-- The minutes in order: the on-prem peak minute (planner/projection/fleet.py, an arg_max over
-- them) is then the first of minutes of equal load on both engines, whatever order the stages
-- before left the rows in (a small run's tables and a larger run's views leave different ones).
ORDER BY u.is_minute, u.minute
