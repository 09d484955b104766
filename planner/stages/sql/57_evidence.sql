-- Stage 57: what each workload's labels rest on, for the report (planner/stages/evidence.py), from the
-- sums stage 55's pass over the requests made (usage_evidence). Per (workload, rule, label): how
-- many requests, how many of them look hard for a distilled model (2,000+ reasoning or 4,000+
-- output tokens: a measured escalation estimate beside the published 10-15%), and one request
-- to show as the example (the one whose text is most similar to an example of its domain, else
-- the first by position), with its text's signals. Per workload: those summed, and how much of its text was
-- sampled.
CREATE OR REPLACE TEMP TABLE rule_evidence AS
WITH picked AS (
    SELECT workload, rule, label, requests, hard, ex FROM usage_evidence
)
SELECT
    p.workload, p.rule, p.label, p.requests, p.hard, unnest(p.ex),
    t.sim_domain, t.sim_vote, t.sim_top, t.sim_example, t.sim_cap_vote, t.sim_cap_domain,
    t.signal_counts, t.signal_matches
FROM picked p
LEFT JOIN text_signals t ON t.text_hash = p.ex.text_hash
;
CREATE OR REPLACE TEMP TABLE workload_evidence AS
SELECT
    e.workload,
    coalesce(sum(e.requests) FILTER (WHERE e.rule = 'default'), 0)        AS by_default,
    coalesce(sum(e.requests) FILTER (WHERE e.label = 'cost-bound'), 0)    AS cost_bound,
    coalesce(sum(e.hard) FILTER (WHERE e.label = 'cost-bound'), 0)        AS hard,
    any_value(x.text_requests)                                            AS text_requests,
    any_value(x.sampled_requests)                                         AS sampled_requests,
    any_value(x.distinct_texts)                                           AS distinct_texts,
    any_value(x.sampled_texts)                                            AS sampled_texts,
    any_value(x.sampled_capability_share)                                 AS sampled_capability_share
FROM rule_evidence e
LEFT JOIN workload_text x USING (workload)
GROUP BY e.workload
