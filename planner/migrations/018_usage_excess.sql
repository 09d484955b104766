-- A logged usage total above the parts plan prices, per request: the tokens a Langfuse
-- observation's usageDetails.total (or the older usage.total) gives beyond its input + output
-- (and its web searches, which Langfuse's total counts: stage 19), NULL where there is none or
-- the log has no total. Kept with the request (stage 20), so that the count per file
-- (files.unaccounted_requests / unaccounted_tokens, sql/23_unaccounted.sql) is read from
-- `lines` on either engine and for exports as for trace downloads, without a second read of
-- the file. (Files read before are read again: parser version 9.)
ALTER TABLE lines ADD COLUMN usage_excess BIGINT;
CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt, failure)
FROM lines WHERE problem IS NULL AND failure IS NULL;
