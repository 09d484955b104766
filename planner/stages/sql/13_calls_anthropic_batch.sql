-- Stage 13 (Anthropic Message Batches results): {custom_id, result: {type, message | error}}.
-- A result other than 'succeeded' (errored, canceled, expired) is a failed request. Results
-- carry no time: a line's own `timestamp` when a log added one, else the time given with
-- --trace-start (variable plan_given_time, NULL when not given: the line is then rejected,
-- saying so), as Gemini batch output's.
CREATE OR REPLACE TEMP VIEW calls AS
SELECT
    line_no,
    coalesce(line_problem, CASE WHEN "timestamp" IS NULL AND getvariable('plan_given_time') IS NULL
        THEN 'an Anthropic batch result carries no time: give the batch''s time with '
            || '--trace-start (every line of the file takes it)' END) AS line_problem,
    excerpt,
    result.message.id                           AS request_id,
    coalesce("timestamp", getvariable('plan_given_time')) AS ts_raw,
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
