-- Files ingested so far. A file is re-read only when its path, size, mtime or plan's parser
-- version changes, so analysing the same log twice never doubles anything.
CREATE TABLE files (
    file_id        INTEGER PRIMARY KEY,
    path           VARCHAR NOT NULL,
    size_bytes     BIGINT NOT NULL,
    mtime_ns       BIGINT NOT NULL,
    parser_version INTEGER NOT NULL,
    source         VARCHAR NOT NULL,   -- which log format the file was read as
    read_path      VARCHAR NOT NULL,   -- 'fast' (one read_json pass) or 'lines' (line by line)
    lines_read     BIGINT NOT NULL,    -- every line, blank ones included
    accepted       BIGINT NOT NULL,
    rejected       BIGINT NOT NULL
);
CREATE SEQUENCE file_ids START 1;

-- One row per accepted line, in plan's token accounting (README: "Token accounting").
CREATE TABLE requests (
    file_id             INTEGER NOT NULL,
    line_no             BIGINT NOT NULL,
    request_id          VARCHAR,
    ts                  TIMESTAMP NOT NULL,      -- UTC
    workload_field      VARCHAR,                 -- the record's own workload field
    workload_tag        VARCHAR,                 -- metadata.workload
    model               VARCHAR,
    input_tokens        BIGINT NOT NULL,         -- all input, cache reads and writes included
    output_tokens       BIGINT NOT NULL,         -- reasoning included
    cached_input_tokens BIGINT NOT NULL,         -- cache reads
    cache_write_tokens  BIGINT NOT NULL,
    reasoning_tokens    BIGINT NOT NULL,
    tokens_counted      BOOLEAN NOT NULL,        -- true when plan counted tokens from text
    task_type           VARCHAR,
    team                VARCHAR,
    has_images          BOOLEAN NOT NULL,
    tool_calls          INTEGER NOT NULL,
    has_tools           BOOLEAN NOT NULL,
    system_prompt       VARCHAR,
    prompt              VARCHAR,
    response            VARCHAR
);

-- One row per rejected line: nothing read is ever silently dropped.
CREATE TABLE rejects (
    file_id INTEGER NOT NULL,
    line_no BIGINT NOT NULL,
    field   VARCHAR,
    reason  VARCHAR NOT NULL,
    excerpt VARCHAR
);
