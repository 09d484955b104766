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
WITH g AS (
    SELECT
        *,
        CASE WHEN response_headers IS NOT NULL THEN coalesce(
            response_headers ->> '$."x-amzn-bedrock-input-token-count"[0]',
            response_headers ->> '$."x-amzn-bedrock-input-token-count"',
            response_headers ->> '$."X-Amzn-Bedrock-Input-Token-Count"[0]',
            response_headers ->> '$."X-Amzn-Bedrock-Input-Token-Count"') END AS h_input,
        CASE WHEN response_headers IS NOT NULL THEN coalesce(
            response_headers ->> '$."x-amzn-bedrock-output-token-count"[0]',
            response_headers ->> '$."x-amzn-bedrock-output-token-count"',
            response_headers ->> '$."X-Amzn-Bedrock-Output-Token-Count"[0]',
            response_headers ->> '$."X-Amzn-Bedrock-Output-Token-Count"') END AS h_output,
        CASE WHEN response_headers IS NOT NULL THEN coalesce(
            response_headers ->> '$."x-amzn-bedrock-cache-read-input-token-count"[0]',
            response_headers ->> '$."x-amzn-bedrock-cache-read-input-token-count"',
            response_headers ->> '$."X-Amzn-Bedrock-Cache-Read-Input-Token-Count"[0]',
            response_headers ->> '$."X-Amzn-Bedrock-Cache-Read-Input-Token-Count"') END AS h_read,
        CASE WHEN response_headers IS NOT NULL THEN coalesce(
            response_headers ->> '$."x-amzn-bedrock-cache-write-input-token-count"[0]',
            response_headers ->> '$."x-amzn-bedrock-cache-write-input-token-count"',
            response_headers ->> '$."X-Amzn-Bedrock-Cache-Write-Input-Token-Count"[0]',
            response_headers ->> '$."X-Amzn-Bedrock-Cache-Write-Input-Token-Count"') END AS h_write
    FROM stage
),
-- the usage the headers give, as JSON text for json_transform (counts only: a header value
-- that is not an integer is left out)
u AS (
    SELECT
        *,
        CASE WHEN h_input IS NOT NULL THEN
            '{"inputTokens":'
                || coalesce('"' || CAST(TRY_CAST(h_input AS BIGINT) AS VARCHAR) || '"', 'null')
            || ',"outputTokens":'
                || coalesce('"' || CAST(TRY_CAST(h_output AS BIGINT) AS VARCHAR) || '"', 'null')
            || ',"cacheReadInputTokens":'
                || coalesce('"' || CAST(TRY_CAST(h_read AS BIGINT) AS VARCHAR) || '"', 'null')
            || ',"cacheWriteInputTokens":'
                || coalesce('"' || CAST(TRY_CAST(h_write AS BIGINT) AS VARCHAR) || '"', 'null') || '}'
        END AS header_usage,
        -- (a body with an input count but none of its output: the header's output count)
        CASE WHEN h_output IS NOT NULL THEN
            '{"inputTokens":'
                || coalesce('"' || CAST(TRY_CAST(response_body.usage.inputTokens AS BIGINT) AS VARCHAR) || '"', 'null')
            || ',"outputTokens":'
                || coalesce('"' || CAST(TRY_CAST(h_output AS BIGINT) AS VARCHAR) || '"', 'null')
            || ',"cacheReadInputTokens":'
                || coalesce('"' || CAST(TRY_CAST(response_body.usage.cacheReadInputTokens AS BIGINT) AS VARCHAR) || '"', 'null')
            || ',"cacheWriteInputTokens":'
                || coalesce('"' || CAST(TRY_CAST(response_body.usage.cacheWriteInputTokens AS BIGINT) AS VARCHAR) || '"', 'null') || '}'
        END AS output_usage
    FROM g
),
h AS (
    SELECT
        *,
        CASE
            WHEN h_input IS NOT NULL AND response_body.usage IS NULL
                AND response_body.usageMetadata IS NULL
                AND response_body.prompt_token_count IS NULL
                AND response_body.inputTextTokenCount IS NULL
                AND response_body.meta.billed_units IS NULL
            THEN struct_update(response_body, usage := json_transform(header_usage,
                getvariable('plan_usage_spec')))
            -- (a guardrail-masked Nova body keeps its input count only)
            WHEN h_output IS NOT NULL AND response_body.usage.inputTokens IS NOT NULL
                AND response_body.usage.outputTokens IS NULL
            THEN struct_update(response_body, usage := json_transform(output_usage,
                getvariable('plan_usage_spec')))
            ELSE response_body
        END AS counted_body,
        CASE WHEN json_valid("date") AND json_type("date"::JSON) = 'ARRAY'
            THEN "date"::JSON ->> '$[0]' ELSE "date" END AS date_text
    FROM u
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
    counted_body                                AS resp,
    CASE WHEN response_body.usage IS NULL AND line_problem IS NULL
        THEN json_extract(record, '$.response_body') END AS raw_resp,
    CASE WHEN TRY_CAST(status AS INTEGER) >= 400 THEN 'HTTP ' || status
        || coalesce(': ' || json_extract_string(response_body.error, '$.message'), '')
    END                                         AS failure,
    NULL::VARCHAR                               AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM h
