-- Stage 13 (Anthropic Message Batches results): {custom_id, result: {type, message | error}}.
-- A result other than 'succeeded' (errored, canceled, expired) is a failed request. Results
-- carry no time: a line needs a `timestamp` added beside them, or it is rejected for it.
CREATE OR REPLACE TEMP VIEW calls AS
SELECT
    line_no,
    line_problem,
    excerpt,
    result.message.id                           AS request_id,
    "timestamp"                                 AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    NULL::VARCHAR                               AS workload_tag,
    NULL::VARCHAR                               AS task_type,
    NULL::VARCHAR                               AS team,
    json_transform('{}', getvariable('plan_request_spec')) AS req,  -- none logged: all NULL
    result.message                              AS resp,
    NULL::JSON                                  AS raw_resp,
    CASE WHEN result.type <> 'succeeded' THEN 'batch result ' || result.type
        || coalesce(': ' || json_extract_string(result.error, '$.error.message'), '') END
                                                AS failure,
    'batch'                                     AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM stage
