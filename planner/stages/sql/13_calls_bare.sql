-- Stage 13 (bare response objects, one per line: OpenAI chat.completion or Responses objects,
-- Anthropic messages). The object is the response body; there is no request body. A record may
-- add `timestamp` and `metadata` beside the API's own keys (Anthropic messages carry no time).
CREATE OR REPLACE TEMP VIEW calls AS
-- (the three metadata keys read in one parse: each `->>` parses the JSON again)
WITH m AS (
    SELECT *, json_transform(metadata,
        '{"workload": "VARCHAR", "task_type": "VARCHAR", "team": "VARCHAR"}') AS meta_fields
    FROM stage
)
SELECT
    line_no,
    line_problem,
    excerpt,
    NULL::VARCHAR                               AS request_id,
    "timestamp"                                 AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    meta_fields.workload                        AS workload_tag,
    meta_fields.task_type                       AS task_type,
    meta_fields.team                            AS team,
    json_transform('{}', getvariable('plan_request_spec')) AS req,  -- none logged: all NULL
    CASE WHEN line_problem IS NULL
        THEN json_transform(record, getvariable('plan_body_spec')) END AS resp,
    NULL::JSON                                  AS raw_resp,
    NULL::VARCHAR                               AS failure,
    NULL::VARCHAR                               AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM m
