-- Stage 13 (Vertex AI batch prediction output for Gemini): {status, processed_time, request,
-- response}, one line per input line. `request` is the generateContent request, `response` its
-- response (stage 12 reads both); `processed_time` (ISO) is the timestamp. A non-empty `status`
-- is the error of a line that failed (it then has no response): a failed request. Priced as
-- service tier 'batch'.
CREATE OR REPLACE TEMP VIEW calls AS
SELECT
    line_no,
    line_problem,
    excerpt,
    NULL::VARCHAR                               AS request_id,
    processed_time                              AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    NULL::VARCHAR                               AS workload_tag,
    NULL::VARCHAR                               AS task_type,
    NULL::VARCHAR                               AS team,
    request                                     AS req,
    response                                    AS resp,
    NULL::JSON                                  AS raw_resp,
    CASE WHEN coalesce(status, '') <> '' THEN 'batch error: ' || status END AS failure,
    'batch'                                     AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM stage
