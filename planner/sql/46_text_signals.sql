-- Stage 46: the text signals of each sampled text. {signal_counts} and {signal_matches} are
-- lists built by planner/signals.py from the rules file's [[signal]] patterns, each a bound
-- parameter ($signal1, ...): how often each pattern matches the text, and (for the evidence)
-- three of its distinct matches, lower-cased, the first in alphabetical order. text_similarity
-- (the nearest examples' domain, vote and best similarity; the capability-bound examples' share
-- of the vote and the capability domain they vote for most) was filled by planner/signals.py
-- from the embeddings.
CREATE OR REPLACE TEMP TABLE text_signals AS
SELECT
    x.text_hash,
    {signal_counts} AS signal_counts,
    {signal_matches} AS signal_matches,
    m.sim_domain,
    m.sim_vote,
    m.sim_top,
    m.sim_example,
    m.sim_cap_vote,
    m.sim_cap_domain
FROM text_sample x
LEFT JOIN text_similarity m USING (text_hash)
