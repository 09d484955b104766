-- Stage 45: which request texts the labels read signals of. A text is a request's system prompt
-- and prompt (its hash: scope.text_hash); each distinct text is classified once, however often
-- it repeats. Per workload, the distinct texts are taken in the order of their hash (a fixed
-- pseudo-random order) up to $per_workload; a workload with more keeps that sample, and the
-- report gives the share's margin of error (planner/stages/signals.py). Their signals were computed as
-- their files were read (stage 24: each file kept those of its own smallest hashes per
-- workload, a superset of these) and are read back from text_features; a text without them (a
-- batch body sampled under another workload) counts as not sampled. A text sampled by one
-- workload is classified for every request that carries it.
CREATE OR REPLACE TEMP TABLE text_signals AS
WITH picked AS (
    SELECT DISTINCT text_hash
    FROM (SELECT DISTINCT workload, text_hash FROM scope WHERE text_hash IS NOT NULL)
    QUALIFY row_number() OVER (PARTITION BY workload ORDER BY text_hash) <= $per_workload
)
SELECT DISTINCT ON (f.text_hash) f.* EXCLUDE (file_id)
FROM text_features f
JOIN run_files USING (file_id)
SEMI JOIN picked p ON p.text_hash = f.text_hash
ORDER BY f.text_hash, f.file_id
