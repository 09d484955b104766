-- Stage 50: label every request. {rule_case} is the CASE expression compiled from the rules
-- file (planner/stages/rules.py: condition templates from an allowlist, every value a bound
-- parameter); it yields the index of the first matching rule, or NULL. Its conditions read the
-- request (s), its workload's statistics (w) and its text's signals (t, stage 46; NULL when
-- the request has no text or its text was not in the sample).
-- request_labels is, per request, what the scenarios and exports need (no text): the rule,
-- label and domain that decided it, with the signals behind them kept in text_signals. A view,
-- not a table: stage 55 reads it in one pass that sums it, and a table of every request would
-- be written out (spilled) once it outgrew the memory limit (docs/benchmark-18.md, section 3).
CREATE OR REPLACE TEMP VIEW request_labels AS
SELECT
    s.* EXCLUDE (prompt_key),
    s.prompt_key IS NOT NULL AS has_prompt,
    {rule_case} AS rule_idx,
    t.text_hash IS NOT NULL AS text_sampled,
    t.sim_domain,
    t.sim_top,
    t.sim_cap_domain,
    t.sim_cap_vote
FROM scope s
JOIN workload_stats w USING (workload)
LEFT JOIN text_signals t ON t.text_hash = s.text_hash
;
-- Per workload: how much of its text was read, and what share of its sampled requests is
-- capability-bound. A request whose text was left out of the sample (only in workloads with more
-- distinct texts than the sample takes) and that no other rule labels is drawn at that share
-- (rule 'workload-sample'; labelled_requests below): capability-bound when a draw of its file
-- and line (plan_draw) falls under it, so the workload's share, and the money routed, follow
-- the sample's estimate rather than its majority. plan_rules (planner/stages/analysis.py) names
-- each rule index: -1 the default, then the rules file's, then workload-sample.
-- (The rules are tested here on the sampled requests only: the others' rule is not needed yet;
-- {sampled_rule_case} is {rule_case}, or NULL when no text was sampled.)
CREATE OR REPLACE TEMP TABLE workload_text AS
WITH r AS (
    SELECT
        s.workload,
        s.text_hash,
        t.text_hash IS NOT NULL AS text_sampled,
        CASE WHEN t.text_hash IS NOT NULL THEN coalesce({sampled_rule_case}, -1) END AS rule_idx
    FROM scope s
    JOIN workload_stats w USING (workload)
    LEFT JOIN text_signals t ON t.text_hash = s.text_hash
)
SELECT
    workload,
    count(*) FILTER (WHERE r.text_hash IS NOT NULL)               AS text_requests,
    count(*) FILTER (WHERE r.text_sampled)                        AS sampled_requests,
    count(DISTINCT r.text_hash)                                   AS distinct_texts,
    count(DISTINCT r.text_hash) FILTER (WHERE r.text_sampled)     AS sampled_texts,
    coalesce(avg((p.label = 'capability-bound')::INTEGER) FILTER (WHERE r.text_sampled), 0)
                                                                  AS sampled_capability_share
FROM r
LEFT JOIN plan_rules p ON p.idx = r.rule_idx
GROUP BY workload
;
-- Each request's rule, label and domain (overrides pin a whole workload), for stage 55 and for
-- anything that shows requests (plan samples, plan eval).
CREATE OR REPLACE TEMP VIEW labelled_requests AS
WITH ruled AS (
    SELECT
        r.* EXCLUDE (rule_idx),
        CASE WHEN r.rule_idx IS NOT NULL THEN r.rule_idx
             WHEN r.text_hash IS NOT NULL AND NOT r.text_sampled AND x.sampled_requests > 0
             THEN (SELECT max(idx) FROM plan_rules)  -- workload-sample
             ELSE -1 END AS rule_idx,
        CASE WHEN plan_draw(r.file_id, r.line_no)
                  < round(x.sampled_capability_share * 1000000)
             THEN 'capability-bound' ELSE 'cost-bound' END AS sample_label,
        o.label AS override_label
    FROM request_labels r
    LEFT JOIN workload_text x USING (workload)
    LEFT JOIN plan_overrides o USING (workload)
)
SELECT
    r.* EXCLUDE (sample_label, override_label),
    coalesce(r.override_label, p.label, r.sample_label) AS label,
    CASE WHEN p.domain = 'nearest' THEN r.sim_cap_domain  -- planner/stages/rules.py NEAREST
         ELSE coalesce(p.domain, r.sim_domain, '(none)') END AS domain,
    CASE WHEN r.override_label IS NOT NULL THEN 'override' ELSE p.name END AS rule
FROM ruled r
JOIN plan_rules p ON p.idx = r.rule_idx
