-- Privacy by default (issue 19): prompt and response text is no longer kept. A line keeps the
-- hashes and features its later stages need instead: the hash of its text (system prompt and
-- prompt: which texts repeat, which were sampled), a fingerprint of its system prompt (the
-- workload name when the log gives none), the hash of its normalised prompt (exact-repeat cache
-- hits). The text signals of each file's sampled texts are computed while the file is read and
-- kept in text_features (no text in it). Text columns are filled only with --keep-text. Files
-- read before are read again.
DELETE FROM lines;
DELETE FROM batch_bodies;
DELETE FROM files;
ALTER TABLE lines ADD COLUMN text_hash UBIGINT;
ALTER TABLE lines ADD COLUMN system_fp VARCHAR;
ALTER TABLE lines ADD COLUMN prompt_key UBIGINT;
ALTER TABLE batch_bodies ADD COLUMN text_hash UBIGINT;
ALTER TABLE batch_bodies ADD COLUMN system_fp VARCHAR;
ALTER TABLE batch_bodies ADD COLUMN prompt_key UBIGINT;
CREATE TABLE text_features (
    file_id        INTEGER NOT NULL,
    text_hash      UBIGINT NOT NULL,
    signal_counts  INTEGER[],
    signal_matches VARCHAR[][],
    sim_domain     VARCHAR,
    sim_vote       DOUBLE,
    sim_top        DOUBLE,
    sim_example    INTEGER,
    sim_cap_vote   DOUBLE,
    sim_cap_domain VARCHAR
);
CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt, failure)
FROM lines WHERE problem IS NULL AND failure IS NULL;
