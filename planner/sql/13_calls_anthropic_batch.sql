-- Stage 13 (Anthropic Message Batches results): {custom_id, result: {type, message | error}}.
-- A result other than 'succeeded' (errored, canceled, expired) is a failed request. Results
-- carry no time: a line needs a `timestamp` added beside them, or it is rejected for it.
CREATE OR REPLACE TEMP VIEW calls AS
SELECT
    line_no,
    line_problem,
    excerpt,
    result ->> '$.message.id'                   AS request_id,
    "timestamp"                                 AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    NULL::VARCHAR                               AS workload_tag,
    NULL::VARCHAR                               AS task_type,
    NULL::VARCHAR                               AS team,
    NULL::JSON                                  AS req,
    result -> '$.message'                       AS resp,
    CASE WHEN result ->> '$.type' <> 'succeeded' THEN 'batch result ' || (result ->> '$.type')
        || coalesce(': ' || (result ->> '$.error.error.message'), '') END AS failure,
    'batch'                                     AS service_tier
FROM stage
