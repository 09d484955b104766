-- More log sources (README "Log sources"). A line can now also be a failed request: an API
-- error the log recorded (a batch error line, an HTTP 4xx/5xx): counted and shown, never priced
-- and never a reject. A request keeps the cost its gateway recorded (LiteLLM `spend`) and its
-- service tier. A file is re-read when the options that shape its reading change (--source,
-- --model, --workload, --trace-start, --map): files.options_key.
DELETE FROM lines;
DELETE FROM files;
ALTER TABLE lines ADD COLUMN failure VARCHAR;              -- why the request failed; NULL if not
ALTER TABLE lines ADD COLUMN logged_cost DECIMAL(18, 10);  -- USD the log says it cost
ALTER TABLE lines ADD COLUMN service_tier VARCHAR;         -- 'batch', 'flex', 'priority', ...
ALTER TABLE files ADD COLUMN failed BIGINT DEFAULT 0;
ALTER TABLE files ADD COLUMN options_key VARCHAR DEFAULT '';

CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt, failure)
FROM lines WHERE problem IS NULL AND failure IS NULL;

CREATE VIEW failures AS
SELECT file_id, line_no, request_id, ts, model, failure
FROM lines WHERE problem IS NULL AND failure IS NOT NULL;
