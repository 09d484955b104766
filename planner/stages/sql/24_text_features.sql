-- Stage 24 (while a file is read, after stage 20/21): the text signals of the file's sampled
-- texts (file_texts), kept per file in text_features so that later runs label from them without
-- the text (migration 008). {signal_counts} and {signal_matches} are lists built by
-- planner/stages/signals.py from the rules file's [[signal]] patterns (and each rule's keywords), each
-- a bound parameter ($signal1, ...): how often each pattern matches the text, and (for the
-- evidence) three of its distinct matches, lower-cased, the first in alphabetical order.
-- text_similarity (the nearest examples' domain, vote and best similarity; the capability-bound
-- examples' share of the vote and the capability domain they vote for most) was filled by
-- planner/stages/signals.py from the embeddings, with the embedding of the prompt alone (prompt_vec:
-- near-repeat cache estimates, stage 58).
INSERT INTO text_features
SELECT
    $file_id,
    x.text_hash,
    {signal_counts},
    {signal_matches},
    m.sim_domain,
    m.sim_vote,
    m.sim_top,
    m.sim_example,
    m.sim_cap_vote,
    m.sim_cap_domain,
    m.prompt_vec
FROM file_texts x
LEFT JOIN text_similarity m USING (text_hash)
