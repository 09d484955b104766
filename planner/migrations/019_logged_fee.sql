-- The part of a request's logged cost that the log itself says is not the model's inference:
-- OpenRouter's usage.cost less cost_details.upstream_inference_cost (else the upstream prompt
-- and completion costs summed), the charge of a plugin, server tool or advisor call it ran (a
-- web search, a PDF parser, a call to another model), or a BYOK call's OpenRouter fee. NULL
-- where the log does not split its cost. The reconciliation names it (stage 85). (Files read
-- before are read again: parser version 12.)
ALTER TABLE lines ADD COLUMN logged_fee DECIMAL(18, 10);
CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt, failure)
FROM lines WHERE problem IS NULL AND failure IS NULL;
