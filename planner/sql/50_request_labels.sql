-- Stage 50: label every request. {rule_case} is the CASE expression compiled from the rules file
-- (planner/rules.py: condition templates from an allowlist, every value a bound parameter); it
-- yields the index of the first matching rule, or NULL. An override pins a whole workload.
CREATE OR REPLACE TEMP TABLE request_labels AS
WITH matched AS (
    SELECT s.file_id, s.line_no, s.workload, {rule_case} AS rule_idx
    FROM scope s
    JOIN workload_stats w USING (workload)
)
SELECT
    m.file_id,
    m.line_no,
    CASE
        WHEN o.label IS NOT NULL THEN 'override'
        WHEN m.rule_idx IS NOT NULL THEN r.name
        ELSE 'default'
    END AS rule,
    coalesce(o.label, r.label, $default_label) AS label
FROM matched m
LEFT JOIN plan_rules r ON r.idx = m.rule_idx
LEFT JOIN plan_overrides o ON o.workload = m.workload
