-- What a request's structure says beyond images and tool calls (issue: capability-bound
-- evidence real logs carry): audio (or video) input, file or PDF attachments, how many tools it
-- defines and how many user turns its conversation holds (stage 12 reads them from OpenAI Chat
-- and Responses, Anthropic Messages, Gemini and Bedrock bodies; NULL where the log cannot say).
-- Files read before are read again, so that their requests carry them.
DELETE FROM lines;
DELETE FROM files;
ALTER TABLE lines ADD COLUMN has_audio BOOLEAN DEFAULT false;
ALTER TABLE lines ADD COLUMN has_files BOOLEAN DEFAULT false;
ALTER TABLE lines ADD COLUMN tool_defs INTEGER;
ALTER TABLE lines ADD COLUMN turns INTEGER;
CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt, failure)
FROM lines WHERE problem IS NULL AND failure IS NULL;
