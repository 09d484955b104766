-- OpenTelemetry files hold spans that are not LLM calls (HTTP, database, ...): they are not
-- records of plan's, and each file counts how many it skipped.
ALTER TABLE files ADD COLUMN skipped BIGINT DEFAULT 0;
