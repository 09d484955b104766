-- Stage 13 (recorded HTTP calls, as an HTTP recorder or proxy writes them): request_body,
-- response_body, status, and the response's Date header (RFC 1123 text, or a list holding it),
-- or a `timestamp` when the capture has one. A 4xx/5xx status is a failed request.
CREATE OR REPLACE TEMP VIEW calls AS
WITH h AS (
    SELECT
        *,
        CASE WHEN json_valid("date") AND json_type("date"::JSON) = 'ARRAY'
            THEN "date"::JSON ->> '$[0]' ELSE "date" END AS date_text
    FROM stage
)
SELECT
    line_no,
    line_problem,
    excerpt,
    request_id,
    CASE
        WHEN "timestamp" IS NOT NULL THEN "timestamp"
        WHEN try_strptime(date_text, '%a, %d %b %Y %H:%M:%S GMT') IS NOT NULL
            THEN strftime(try_strptime(date_text, '%a, %d %b %Y %H:%M:%S GMT'),
                          '%Y-%m-%dT%H:%M:%SZ')
        ELSE date_text
    END                                         AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    metadata ->> '$.workload'                   AS workload_tag,
    metadata ->> '$.task_type'                  AS task_type,
    metadata ->> '$.team'                       AS team,
    -- Bedrock names the model in the URI only (/model/<id>/converse, /invoke)
    CASE WHEN request_body.model IS NULL AND uri LIKE '%/model/%' THEN struct_update(request_body,
        model := url_decode(regexp_extract(uri, '/model/([^/?]+)', 1)))
        ELSE request_body END                   AS req,
    response_body                               AS resp,
    CASE WHEN response_body.usage IS NULL AND line_problem IS NULL
        THEN json_extract(record, '$.response_body') END AS raw_resp,
    CASE WHEN TRY_CAST(status AS INTEGER) >= 400 THEN 'HTTP ' || status
        || coalesce(': ' || json_extract_string(response_body.error, '$.message'), '')
    END                                         AS failure,
    NULL::VARCHAR                               AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM h
