-- Stage 13 (Gemini / Vertex AI responses as google-genai's Python SDK dumps them:
-- `response.model_dump(mode="json")` / `model_dump_json()`, one per line; a stream's chunks
-- each dumped alike). The body is the API's generateContent response with its keys in
-- snake_case (usage_metadata.prompt_token_count, ...): the keys stage 12 reads are spelled back
-- as the API's (a key, quotes included, is replaced in the record's text; the counts and values
-- are left as they are), so that the response is read as the `gemini` source reads it: the same
-- accounting, stream chunks and blocked prompts. The time: `timestamp` beside the response,
-- else the Date header newer SDKs keep (`sdk_http_response.headers.date`), else Vertex AI's
-- `create_time`; the Gemini API's own responses carry none (such a line is rejected, saying so).
CREATE OR REPLACE TEMP VIEW calls AS
WITH m AS (
    SELECT *, json_transform(metadata,
        '{"workload": "VARCHAR", "task_type": "VARCHAR", "team": "VARCHAR"}') AS meta_fields,
        sdk_http_response.headers."date" AS date_text
    FROM stage
)
SELECT
    line_no,
    line_problem,
    excerpt,
    NULL::VARCHAR                               AS request_id,
    CASE
        WHEN "timestamp" IS NOT NULL THEN "timestamp"
        WHEN try_strptime(date_text, '%a, %d %b %Y %H:%M:%S GMT') IS NOT NULL
            THEN strftime(try_strptime(date_text, '%a, %d %b %Y %H:%M:%S GMT'),
                          '%Y-%m-%dT%H:%M:%SZ')
    END                                         AS ts_raw,
    NULL::VARCHAR                               AS workload_field,
    meta_fields.workload                        AS workload_tag,
    meta_fields.task_type                       AS task_type,
    meta_fields.team                            AS team,
    json_transform('{}', getvariable('plan_request_spec')) AS req,  -- none logged: all NULL
    CASE WHEN line_problem IS NULL THEN json_transform(
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        replace(replace(replace(replace(replace(record,
            '"usage_metadata"', '"usageMetadata"'),
            '"prompt_token_count"', '"promptTokenCount"'),
            '"candidates_token_count"', '"candidatesTokenCount"'),
            '"cached_content_token_count"', '"cachedContentTokenCount"'),
            '"thoughts_token_count"', '"thoughtsTokenCount"'),
            '"tool_use_prompt_token_count"', '"toolUsePromptTokenCount"'),
            '"model_version"', '"modelVersion"'),
            '"response_id"', '"responseId"'),
            '"create_time"', '"createTime"'),
            '"finish_reason"', '"finishReason"'),
            '"function_call"', '"functionCall"'),
            '"grounding_metadata"', '"groundingMetadata"'),
            '"web_search_queries"', '"webSearchQueries"'),
            '"prompt_feedback"', '"promptFeedback"'),
            '"block_reason"', '"blockReason"'),
        getvariable('plan_body_spec')) END      AS resp,
    NULL::JSON                                  AS raw_resp,
    NULL::VARCHAR                               AS failure,
    NULL::VARCHAR                               AS service_tier,
    NULL::VARCHAR                               AS custom_id
FROM m
