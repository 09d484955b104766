-- A usage total above the parts a log counts (Langfuse observations: usageDetails.total above
-- input + output, a Vertex AI trace's unreported thinking tokens): per file, how many requests
-- and how many tokens the totals give beyond their parts (sql/23_unaccounted.sql), which the
-- report names in a warning. Files read before are read again (parser version 8).
ALTER TABLE files ADD COLUMN unaccounted_requests BIGINT DEFAULT 0;
ALTER TABLE files ADD COLUMN unaccounted_tokens BIGINT DEFAULT 0;
