-- Reader step for CloudWatch Logs documents that hold many events: the output of `aws logs
-- filter-log-events` / `get-log-events` ({events: [{timestamp, message, ...}]}), the
-- DATA_MESSAGEs a subscription delivers ({messageType, logEvents: [...]}), and Logs Insights
-- query results (`aws logs get-query-results`: {results: [[{field, value}, ...], ...]}, or the
-- cells in one list as PowerShell's ConvertTo-Json writes them), and the lines a CloudWatch
-- Logs export task writes to S3 (each event's time, a space, its message). Its records become
-- the events (the @message cells of query results) whose message is a Bedrock invocation
-- record, in file order (13_norm_bedrock.sql reads the message); other events are not LLM
-- calls and are counted in plan_skipped, while the other cells of a result row (@timestamp,
-- @ptr, ...) are parts of it, not records. A line that holds no events stays one record. (14_split_records.sql
-- then makes the records.)
CREATE OR REPLACE TEMP TABLE split_lines AS
SELECT *, events IS NOT NULL AS has_items
FROM (
    SELECT
        line,
        CASE
            -- a CloudWatch Logs export task's line in S3: `2025-03-11T00:38:02.123Z {message}`
            WHEN regexp_matches(line, '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z [{]')
                THEN [to_json({'message': substr(line, strpos(line, ' ') + 1)})]
            WHEN NOT json_valid(line) THEN NULL
            WHEN json_type(line, '$.events') = 'ARRAY'
                THEN CAST(json_extract(line, '$.events') AS JSON[])
            WHEN json_type(line, '$.logEvents') = 'ARRAY'
                THEN CAST(json_extract(line, '$.logEvents') AS JSON[])
            WHEN json_type(line, '$.results[0]') = 'ARRAY'
                THEN json_extract(line, '$.results[*][*]')
            WHEN json_type(line, '$.results') = 'ARRAY'
                THEN CAST(json_extract(line, '$.results') AS JSON[])
        END AS events
    FROM raw_lines
)
;
CREATE OR REPLACE TEMP TABLE split_items AS
SELECT
    line_idx,
    i,
    CASE WHEN e ->> 'field' = '@message' THEN to_json({'message': e ->> 'value'})::VARCHAR
         ELSE e::VARCHAR END AS line,
    contains(coalesce(json_extract_string(e, '$.message'), json_extract_string(e, '$.value')),
             '"ModelInvocationLog"') AS keep
FROM (
    -- (unnest in the select list: a join with range() over each list took 20x as long)
    SELECT rowid AS line_idx, generate_subscripts(events, 1) AS i, unnest(events) AS e
    FROM split_lines
    WHERE has_items
)
WHERE coalesce(e ->> 'field', '@message') = '@message'
