-- Stage 57: what each workload's labels rest on, for the report (planner/evidence.py).
-- Per (workload, rule, label): how many requests, and one request to show as the example (the
-- one whose text is most similar to an example of its domain, else the first by position),
-- with its text's signals. Per workload: how much of its text was sampled, and the share of its
-- cost-bound requests that look hard for a distilled model (2,000+ reasoning or 4,000+ output
-- tokens): a measured escalation estimate beside the published 10-15%.
CREATE OR REPLACE TEMP TABLE rule_evidence AS
WITH picked AS (
    SELECT
        workload, rule, label, count(*) AS requests,
        arg_max({'file_id': file_id, 'line_no': line_no, 'text_hash': text_hash,
                 'task_type': task_type, 'tool_calls': tool_calls, 'has_images': has_images,
                 'has_tools': has_tools, 'input_tokens': input_tokens,
                 'output_tokens': output_tokens, 'reasoning_tokens': reasoning_tokens},
                (coalesce(sim_top, -1), -file_id, -line_no)) AS ex
    FROM labelled_requests
    GROUP BY workload, rule, label
)
SELECT
    p.workload, p.rule, p.label, p.requests, unnest(p.ex),
    t.sim_domain, t.sim_vote, t.sim_top, t.sim_example, t.sim_cap_vote, t.sim_cap_domain,
    t.signal_counts, t.signal_matches
FROM picked p
LEFT JOIN text_signals t ON t.text_hash = p.ex.text_hash
;
CREATE OR REPLACE TEMP TABLE workload_evidence AS
SELECT
    l.workload,
    count(*) FILTER (WHERE l.rule = 'default')                    AS by_default,
    count(*) FILTER (WHERE l.label = 'cost-bound')                AS cost_bound,
    count(*) FILTER (WHERE l.label = 'cost-bound'
                     AND (l.reasoning_tokens >= 2000 OR l.output_tokens >= 4000)) AS hard,
    any_value(x.text_requests)                                    AS text_requests,
    any_value(x.sampled_requests)                                 AS sampled_requests,
    any_value(x.distinct_texts)                                   AS distinct_texts,
    any_value(x.sampled_texts)                                    AS sampled_texts,
    any_value(x.sampled_capability_share)                         AS sampled_capability_share
FROM labelled_requests l
LEFT JOIN workload_text x USING (workload)
GROUP BY l.workload
