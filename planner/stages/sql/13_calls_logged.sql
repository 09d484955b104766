-- Stage 13 (request/response logs): {timestamp, request_id, request, response, metadata}, where
-- `response` is an OpenAI chat completion, a Responses object, an Anthropic message, or a stream
-- (a JSON array of chunks, or the SSE text: read from the raw record, as it has no usage at the
-- top). Stage 12 reads the bodies.
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
    request_id,
    "timestamp"                                 AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    meta_fields.workload                        AS workload_tag,
    meta_fields.task_type                       AS task_type,
    meta_fields.team                            AS team,
    request                                     AS req,
    response                                    AS resp,
    CASE WHEN response.usage IS NULL AND line_problem IS NULL
        THEN json_extract(record, '$.response') END AS raw_resp,
    NULL::VARCHAR                               AS failure,
    NULL::VARCHAR                               AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM m
