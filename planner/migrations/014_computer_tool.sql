-- A tool that acts on a computer, defined in the request (capability-bound by construction:
-- the request hands the model a screen, a shell or a file editor): the tool types it matched
-- (Anthropic computer_*, bash_*, text_editor_*; OpenAI computer_use_preview, computer,
-- local_shell, shell, apply_patch; Gemini computerUse) or `function NAME` for a function named
-- like one (bash, str_replace_editor, browser_click, ...), joined with ', '; NULL where none is
-- defined or the log cannot say. Read by stage 12, 13_norm_bedrock and 21 (planner/stages/sql).
-- Files read before are read again, so that their requests carry it.
DELETE FROM lines;
DELETE FROM batch_bodies;
DELETE FROM files;
ALTER TABLE lines ADD COLUMN computer_tool VARCHAR;
ALTER TABLE batch_bodies ADD COLUMN computer_tool VARCHAR;
CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt, failure)
FROM lines WHERE problem IS NULL AND failure IS NULL;
