-- One table for every line read: a line is either a request (problem IS NULL) or a reject (the
-- problem says why), so "every line is accounted for" is a row count. One INSERT per file fills
-- it in a single pass (sql/20_checked.sql). Files read by plan's earlier parser are forgotten
-- and read again.
DROP TABLE requests;
DROP TABLE rejects;
DELETE FROM files;
ALTER TABLE files DROP COLUMN read_path;

CREATE TABLE lines (
    file_id             INTEGER NOT NULL,
    line_no             BIGINT NOT NULL,
    problem_field       VARCHAR,                 -- the field at fault; NULL for a line that is not
                                                 -- a JSON object, and for a request
    problem             VARCHAR,                 -- why the line was rejected; NULL for a request
    excerpt             VARCHAR,                 -- the start of a line that is not a JSON object
    request_id          VARCHAR,
    ts                  TIMESTAMP,               -- UTC
    workload_field      VARCHAR,                 -- the record's own workload field
    workload_tag        VARCHAR,                 -- metadata.workload
    model               VARCHAR,
    input_tokens        BIGINT,                  -- all input, cache reads and writes included
    output_tokens       BIGINT,                  -- reasoning included
    cached_input_tokens BIGINT,                  -- cache reads
    cache_write_tokens  BIGINT,
    reasoning_tokens    BIGINT,
    tokens_counted      BOOLEAN,                 -- true when plan counted tokens from text
    task_type           VARCHAR,
    team                VARCHAR,
    has_images          BOOLEAN,
    tool_calls          INTEGER,
    has_tools           BOOLEAN,
    system_prompt       VARCHAR,
    prompt              VARCHAR,
    response            VARCHAR
);

CREATE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt) FROM lines WHERE problem IS NULL;

CREATE VIEW rejects AS
SELECT file_id, line_no, problem_field AS field, problem AS reason, excerpt
FROM lines WHERE problem IS NOT NULL;
