-- Stage 13 (recorded HTTP calls, as an HTTP recorder or proxy writes them): request_body,
-- response_body, status, and the response's Date header (RFC 1123 text, or a list holding it),
-- or a `timestamp` when the capture has one. A 4xx/5xx status is a failed request.
-- Bedrock InvokeModel bodies that count nothing themselves (Claude v2 completions, AI21,
-- Cohere command, imported models) are counted by the response headers
-- x-amzn-bedrock-input-token-count / -output-token-count / -cache-read-input-token-count /
-- -cache-write-input-token-count (lower-case as boto3 gives them, or as sent; a value or a list
-- of one), when the capture kept them (`response_headers`): read as Converse's usage (the
-- input count excludes the cache counts). A body with counts of its own is read by them; one
-- without an output count (a guardrail-masked Nova body) takes the header's.
CREATE OR REPLACE TEMP VIEW calls AS
WITH hs AS (
    SELECT
        *,
        -- the four header counts, header names in any case (the counts are digits: the
        -- headers' text is lower-cased whole), each a value or a list of one
        CASE WHEN response_headers IS NOT NULL THEN json_transform(
            lower(response_headers::VARCHAR), '{"x-amzn-bedrock-input-token-count": "JSON",
            "x-amzn-bedrock-output-token-count": "JSON",
            "x-amzn-bedrock-cache-read-input-token-count": "JSON",
            "x-amzn-bedrock-cache-write-input-token-count": "JSON"}') END AS hs,
        -- (the three metadata keys, parsed with the record: sources.META)
        metadata AS meta_fields
    FROM stage
),
hd AS (
    SELECT
        *,
        -- input, output, cache read, cache write
        CASE WHEN hs IS NOT NULL THEN list_transform([
            hs."x-amzn-bedrock-input-token-count", hs."x-amzn-bedrock-output-token-count",
            hs."x-amzn-bedrock-cache-read-input-token-count",
            hs."x-amzn-bedrock-cache-write-input-token-count"],
            lambda v: coalesce(v ->> '$[0]', v ->> '$')) END AS hdr
    FROM hs
),
hn AS (
    SELECT
        *,
        -- the counts the body takes from the headers, as Converse's usage (input, output,
        -- cache read, cache write): all four when the body counts nothing itself; the output
        -- count only when the body has its input count but none of its output (a
        -- guardrail-masked Nova body)
        CASE
            WHEN hdr[1] IS NOT NULL AND response_body.usage IS NULL
                AND response_body.usageMetadata IS NULL
                AND response_body.prompt_token_count IS NULL
                AND response_body.inputTextTokenCount IS NULL
                AND response_body.meta.billed_units IS NULL THEN hdr
            WHEN hdr[2] IS NOT NULL AND response_body.usage.inputTokens IS NOT NULL
                AND response_body.usage.outputTokens IS NULL
            THEN [response_body.usage.inputTokens, hdr[2],
                  response_body.usage.cacheReadInputTokens,
                  response_body.usage.cacheWriteInputTokens]
        END AS counts,
        CASE WHEN json_valid("date") AND json_type("date"::JSON) = 'ARRAY'
            THEN "date"::JSON ->> '$[0]' ELSE "date" END AS date_text
    FROM hd
),
h AS (
    SELECT
        *,
        -- (counts only: a header value that is not an integer is left out)
        CASE WHEN counts IS NULL THEN response_body
            ELSE struct_update(response_body, usage := json_transform(to_json({
                'inputTokens': CAST(TRY_CAST(counts[1] AS BIGINT) AS VARCHAR),
                -- (an embedding's response has the input count's header only: output 0)
                'outputTokens': coalesce(CAST(TRY_CAST(counts[2] AS BIGINT) AS VARCHAR),
                                         CASE WHEN counts[1] IS NOT NULL THEN '0' END),
                'cacheReadInputTokens': CAST(TRY_CAST(counts[3] AS BIGINT) AS VARCHAR),
                'cacheWriteInputTokens': CAST(TRY_CAST(counts[4] AS BIGINT) AS VARCHAR)}),
                getvariable('plan_usage_spec')))
        END AS counted_body
    FROM hn
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
    meta_fields.workload                        AS workload_tag,
    meta_fields.task_type                       AS task_type,
    meta_fields.team                            AS team,
    -- Bedrock names the model in the URI only (/model/<id>/converse, /invoke)
    CASE WHEN request_body.model IS NULL AND uri LIKE '%/model/%' THEN struct_update(request_body,
        model := url_decode(regexp_extract(uri, '/model/([^/?]+)', 1)))
        ELSE request_body END                   AS req,
    counted_body                                AS resp,
    CASE WHEN response_body.usage IS NULL AND line_problem IS NULL
        THEN json_extract(record, '$.response_body') END AS raw_resp,
    CASE WHEN TRY_CAST(status AS INTEGER) >= 400 THEN 'HTTP ' || status
        || coalesce(': ' || json_extract_string(response_body.error, '$.message'), '')
    END                                         AS failure,
    NULL::VARCHAR                               AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM h
