-- OpenAI Batch API input files: each line is a request body with a custom_id; the output file's
-- line with the same custom_id is the request (README "Log sources"). A request line keeps its
-- custom_id; bodies are kept apart from `lines` (they are not requests of their own: the output
-- line is) and joined at scope (stage 30).
DELETE FROM lines;
DELETE FROM files;
ALTER TABLE lines ADD COLUMN custom_id VARCHAR;
ALTER TABLE files ADD COLUMN bodies BIGINT DEFAULT 0;   -- batch input request bodies read
CREATE TABLE batch_bodies (    -- an input line's request body, what classification reads
    file_id BIGINT, line_no BIGINT, custom_id VARCHAR, model VARCHAR,
    system_prompt VARCHAR, prompt VARCHAR, has_images BOOLEAN, has_tools BOOLEAN
);
CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt, failure)
FROM lines WHERE problem IS NULL AND failure IS NULL;
