-- Stage 45: which request texts get text signals. A text is a request's system prompt and
-- prompt (scope.rule_text); each distinct text is classified once, however often it repeats.
-- Per workload, the distinct texts are taken in the order of their hash (a fixed pseudo-random
-- order) up to $per_workload; a workload with more keeps that sample, and the report gives the
-- share's margin of error (planner/signals.py). A text sampled by one workload is classified
-- for every request that carries it.
CREATE OR REPLACE TEMP TABLE text_sample AS
WITH distinct_texts AS (
    SELECT workload, text_hash
    FROM scope
    WHERE text_hash IS NOT NULL
    GROUP BY workload, text_hash
),
picked AS (
    SELECT DISTINCT text_hash
    FROM distinct_texts
    QUALIFY row_number() OVER (PARTITION BY workload ORDER BY text_hash) <= $per_workload
)
SELECT s.text_hash, left(any_value(s.rule_text), $max_chars) AS text
FROM scope s
SEMI JOIN picked p ON p.text_hash = s.text_hash
GROUP BY s.text_hash
