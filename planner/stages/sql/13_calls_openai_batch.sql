-- Stage 13 (OpenAI Batch API output, and OpenAI-compatible batch runners: Groq, vLLM):
-- {id, custom_id, response: {status_code, request_id, body}, error}. The body is a chat
-- completion (or a Responses object, or embeddings); its `created` is the timestamp. Embeddings
-- carry none: they take the time given with --trace-start (variable plan_given_time), or are
-- rejected saying so. A line with an error, or a status code of 400 or more, is a failed
-- request. Priced as service tier 'batch'.
CREATE OR REPLACE TEMP VIEW calls AS
SELECT
    line_no,
    coalesce(line_problem, CASE WHEN response.body.object = 'list'
            AND getvariable('plan_given_time') IS NULL
        THEN 'an OpenAI batch output line of embeddings carries no time: give the batch''s '
            || 'time with --trace-start (every such line takes it)' END) AS line_problem,
    excerpt,
    coalesce(response.request_id, id)           AS request_id,
    CASE WHEN response.body.object = 'list' THEN getvariable('plan_given_time') END AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    NULL::VARCHAR                               AS workload_tag,
    NULL::VARCHAR                               AS task_type,
    NULL::VARCHAR                               AS team,
    json_transform('{}', getvariable('plan_request_spec')) AS req,  -- none logged: all NULL
    response.body                               AS resp,
    NULL::JSON                                  AS raw_resp,
    CASE
        WHEN json_type(error) = 'OBJECT' THEN 'batch error'
            || coalesce(' ' || (error ->> '$.code'), '')
            || coalesce(': ' || (error ->> '$.message'), '')
        WHEN TRY_CAST(response.status_code AS INTEGER) >= 400
            THEN 'HTTP ' || response.status_code
            || coalesce(': ' || json_extract_string(response.body.error, '$.message'), '')
    END                                         AS failure,
    'batch'                                     AS service_tier,
    custom_id                                   -- joins the batch input file (stage 30)
FROM stage
