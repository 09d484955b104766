-- Stage 13 (AWS Bedrock batch inference output, the `.jsonl.out` file a job writes for each
-- input file): {recordId, modelInput, modelOutput}, where modelOutput is the model's InvokeModel
-- response body (Anthropic, Nova, Llama, Titan, ...) or, for a Converse job, the Converse
-- response (stage 12 reads either), or {recordId, modelInput, error: {errorCode, errorMessage}}
-- for a record that failed: a failed request. The model is the body's own (Anthropic's `model`;
-- other bodies name none: the job's model is not in the file, such requests are unpriced and
-- said so). The lines carry no time: a line's own `timestamp` when a log added one, else the
-- time given with --trace-start (variable plan_given_time, NULL when not given: the line is
-- then rejected, saying so). Priced as service tier 'batch'.
CREATE OR REPLACE TEMP VIEW calls AS
SELECT
    line_no,
    coalesce(line_problem, CASE WHEN "timestamp" IS NULL AND getvariable('plan_given_time') IS NULL
        THEN 'a Bedrock batch output line carries no time: give the batch''s time with '
            || '--trace-start (every line of the file takes it)' END) AS line_problem,
    excerpt,
    "recordId"                                  AS request_id,
    coalesce("timestamp", getvariable('plan_given_time')) AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    NULL::VARCHAR                               AS workload_tag,
    NULL::VARCHAR                               AS task_type,
    NULL::VARCHAR                               AS team,
    "modelInput"                                AS req,
    "modelOutput"                               AS resp,
    NULL::JSON                                  AS raw_resp,
    CASE WHEN json_type(error) = 'OBJECT' THEN 'batch error: '
        || coalesce(json_extract_string(error, '$.errorCode') || ' ', '')
        || coalesce(json_extract_string(error, '$.errorMessage'), '?') END AS failure,
    'batch'                                     AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM stage
