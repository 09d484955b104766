-- Anthropic's 1-hour cache writes (usage.cache_creation.ephemeral_1h_input_tokens), a part of
-- cache_write_tokens billed at their own rate (2x input against 1.25x for 5-minute writes). Files
-- read before are read again, so that their 1-hour writes are counted.
DELETE FROM lines;
DELETE FROM files;
ALTER TABLE lines ADD COLUMN cache_write_1h_tokens BIGINT DEFAULT 0;
CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt, failure)
FROM lines WHERE problem IS NULL AND failure IS NULL;
