-- Reader step for CloudWatch Logs documents that hold many events: the output of `aws logs
-- filter-log-events` / `get-log-events` ({events: [{timestamp, message, ...}]}) and the
-- DATA_MESSAGEs a subscription delivers ({messageType, logEvents: [...]}). Its records become
-- the events whose message is a Bedrock invocation record, in file order (13_norm_bedrock.sql
-- reads the message); other events are not LLM calls and are counted in plan_skipped. A line
-- that holds no events stays one record. (14_split_records.sql then makes the records.)
CREATE OR REPLACE TEMP TABLE split_lines AS
SELECT *, events IS NOT NULL AS has_items
FROM (
    SELECT
        line,
        CASE
            WHEN NOT json_valid(line) THEN NULL
            WHEN json_type(line, '$.events') = 'ARRAY'
                THEN CAST(json_extract(line, '$.events') AS JSON[])
            WHEN json_type(line, '$.logEvents') = 'ARRAY'
                THEN CAST(json_extract(line, '$.logEvents') AS JSON[])
        END AS events
    FROM raw_lines
)
;
CREATE OR REPLACE TEMP TABLE split_items AS
SELECT
    line_idx,
    i,
    e::VARCHAR AS line,
    contains(json_extract_string(e, '$.message'), '"ModelInvocationLog"') AS keep
FROM (
    -- (unnest in the select list: a join with range() over each list took 20x as long)
    SELECT rowid AS line_idx, generate_subscripts(events, 1) AS i, unnest(events) AS e
    FROM split_lines
    WHERE has_items
)
