-- Stage 10 (OpenAI chat-completions request/response logs): map `stage` onto the shared columns.
-- usage.prompt_tokens already includes cached tokens and completion_tokens includes reasoning,
-- which is plan's own accounting, so both are taken as they are.
CREATE OR REPLACE TEMP VIEW norm AS
WITH m AS (
    SELECT
        *,
        CAST(json_extract(request, '$.messages[*]') AS JSON[]) AS msgs
    FROM stage
)
SELECT
    line_no,
    line_problem,
    excerpt,
    coalesce(request_id, response ->> '$.id')                       AS request_id,
    coalesce("timestamp", response ->> '$.created')                 AS ts_raw,
    NULL::VARCHAR                                                   AS workload_field,
    metadata ->> '$.workload'                                       AS workload_tag,
    coalesce(response ->> '$.model', request ->> '$.model')         AS model,
    response ->> '$.usage.prompt_tokens'                            AS input_raw,
    response ->> '$.usage.completion_tokens'                        AS output_raw,
    response ->> '$.usage.prompt_tokens_details.cached_tokens'      AS cached_raw,
    NULL::VARCHAR                                                   AS cache_write_raw,
    response ->> '$.usage.completion_tokens_details.reasoning_tokens' AS reasoning_raw,
    metadata ->> '$.task_type'                                      AS task_type,
    metadata ->> '$.team'                                           AS team,
    CAST(list_has_any(
        json_extract_string(request, '$.messages[*].content[*].type'),
        ['image_url', 'input_image', 'image']
    ) AS VARCHAR)                                                   AS images_raw,
    CAST(
        coalesce(len(json_extract(request, '$.messages[*].tool_calls[*]')), 0)
        + coalesce(len(json_extract(response, '$.choices[*].message.tool_calls[*]')), 0)
    AS VARCHAR)                                                     AS tool_calls_raw,
    coalesce(json_array_length(request, '$.tools'), 0) > 0          AS defines_tools,
    plan_msg_text(list_filter(msgs, lambda x: x ->> '$.role' IN ('system', 'developer'))[1])
                                                                    AS system_prompt,
    nullif(array_to_string(list_transform(
        list_filter(msgs, lambda x: x ->> '$.role' NOT IN ('system', 'developer')),
        lambda x: plan_msg_text(x)), '\n'), '')                          AS prompt,
    response ->> '$.choices[0].message.content'                     AS response,
    len(msgs)                                                       AS n_messages
FROM m
