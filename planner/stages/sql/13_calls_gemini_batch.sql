-- Stage 13 (Gemini API batch output, the responses file of a file-input batch job): one line
-- per input line, {key, response} where `response` is a generateContent response (stage 12
-- reads it), or {key, error} / {key, status} for a request that failed: a failed request.
-- Bare responses of such a file (no key) are read by the `gemini` source. The lines carry no
-- time (Vertex AI's batch output has processed_time: `vertex-batch`): a line's own `timestamp`
-- when a log added one, else the time given with --trace-start (variable plan_given_time, NULL
-- when not given: the line is then rejected, saying so). Priced as service tier 'batch'.
CREATE OR REPLACE TEMP VIEW calls AS
SELECT
    line_no,
    coalesce(line_problem, CASE WHEN "timestamp" IS NULL AND getvariable('plan_given_time') IS NULL
        THEN 'a Gemini batch output line carries no time: give the batch''s time with '
            || '--trace-start (every line of the file takes it)' END) AS line_problem,
    excerpt,
    "key"                                       AS request_id,
    coalesce("timestamp", getvariable('plan_given_time')) AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    NULL::VARCHAR                               AS workload_tag,
    NULL::VARCHAR                               AS task_type,
    NULL::VARCHAR                               AS team,
    json_transform('{}', getvariable('plan_request_spec')) AS req,  -- (in the input file)
    response                                    AS resp,
    NULL::JSON                                  AS raw_resp,
    CASE WHEN json_type(error) = 'OBJECT' OR json_type(status) = 'OBJECT'
        THEN 'batch error: ' || coalesce(json_extract_string(coalesce(error, status), '$.message'),
                                        json_extract_string(coalesce(error, status), '$.code'), '?')
    END                                         AS failure,
    'batch'                                     AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM stage
