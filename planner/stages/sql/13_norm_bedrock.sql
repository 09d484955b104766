-- Stage 13 (AWS Bedrock model-invocation logs): one record per invocation, as Bedrock delivers
-- it to S3 or CloudWatch Logs, or wrapped: the `message` text of a CloudWatch Logs event
-- (get-log-events, filter-log-events) or the `@message` column of a Logs Insights export (JSON
-- or CSV). Stage 15 parses a bare record with plan_bedrock_spec (planner/stages/sources.py); a wrapped
-- one is parsed here from its text.
--   input   input.inputTokenCount EXCLUDES the cache counts (as Converse's inputTokens does):
--           + cacheReadInputTokenCount + cacheWriteInputTokenCount (in `input`, or top level)
--   output  output.outputTokenCount (0 for an embedding)
--   1-hour cache writes: the output body's (Anthropic: usage.cache_creation, Converse:
--           usage.cacheDetails), within the cache writes
-- An `errorCode` is a failed request. Workload and team: requestMetadata.workload / .team.
CREATE OR REPLACE TEMP VIEW norm AS
WITH b AS (
    SELECT
        line_no,
        -- a wrapped record whose text is not JSON costs its line only (not the file)
        CASE WHEN line_problem IS NULL AND schemaType IS NULL
                  AND NOT json_valid(coalesce("@message", message, '{}'))
             THEN 'field ''message'': not valid JSON' ELSE line_problem END AS line_problem,
        excerpt,
        "@timestamp" AS insights_ts,
        CASE
            WHEN line_problem IS NOT NULL THEN NULL
            -- wrapped: the record is the text of `message` / `@message`, parsed here
            WHEN schemaType IS NULL AND coalesce("@message", message) IS NOT NULL
                 AND json_valid(coalesce("@message", message))
                THEN json_transform(coalesce("@message", message),
                                    getvariable('plan_bedrock_spec'))
            -- bare: stage 15 parsed it already (the fields of plan_bedrock_spec, in its order)
            ELSE {'schemaType': schemaType, 'timestamp': "timestamp", 'requestId': requestId,
                  'operation': operation, 'modelId': modelId, 'errorCode': errorCode,
                  'requestMetadata': requestMetadata,
                  'cacheReadInputTokenCount': cacheReadInputTokenCount,
                  'cacheWriteInputTokenCount': cacheWriteInputTokenCount,
                  'input': "input", 'output': "output"}
        END AS r
    FROM stage
),
f AS (
    SELECT
        *,
        r.input.inputBodyJson AS req,
        r.output.outputBodyJson AS body,
        coalesce(r.input.cacheReadInputTokenCount, r.cacheReadInputTokenCount) AS reads,
        coalesce(r.input.cacheWriteInputTokenCount, r.cacheWriteInputTokenCount) AS writes,
        -- (the three metadata keys, parsed with the record: plan_bedrock_spec)
        r.requestMetadata AS meta_fields,
        -- Image, audio and file parts are searched for message by message only where the
        -- messages' contents hold a word each test needs ('image'; 'audio', 'video'; 'file',
        -- 'document', 'mime' (type)): most hold none. (The contents as stage 15 read them, \u
        -- escapes undone; a search of the whole record scanned 7 times its bytes.)
        array_to_string(list_transform(r.input.inputBodyJson.messages, lambda m: m.content),
                        chr(10)) AS contents
    FROM b
)
SELECT
    line_no,
    line_problem,
    excerpt,
    r.requestId                                                    AS request_id,
    coalesce(r."timestamp", insights_ts)                          AS ts_raw,
    NULL::VARCHAR                                                  AS workload_field,
    meta_fields.workload                                           AS workload_tag,
    r.modelId                                                      AS model,
    plan_sum_counts(r.input.inputTokenCount, reads, writes)        AS input_raw,
    coalesce(r.output.outputTokenCount, CASE WHEN body.embedding IS NOT NULL
        OR body.embeddings IS NOT NULL THEN '0' END)               AS output_raw,
    reads                                                          AS cached_raw,
    writes                                                         AS cache_write_raw,
    -- the writes to a 1-hour cache: an Anthropic body's, Converse's cacheDetails
    coalesce(body.usage.cache_creation.ephemeral_1h_input_tokens,
             plan_converse_1h(body.usage.cacheDetails))           AS cache_write_1h_raw,
    NULL::VARCHAR                                                  AS reasoning_raw,
    meta_fields.task_type                                          AS task_type,
    meta_fields.team                                               AS team,
    CAST(CASE WHEN contains(contents, 'image') THEN plan_has_images(req.messages)
        ELSE false END AS VARCHAR)                                 AS images_raw,
    CAST(coalesce(len(list_filter(body.output.message.content,  -- Converse
            lambda c: c.toolUse IS NOT NULL)), 0)
        + coalesce(len(list_filter(body.content, lambda c: c.type = 'tool_use')), 0)  -- Anthropic
    AS VARCHAR)                                                    AS tool_calls_raw,
    coalesce(len(req.tools), 0) > 0 OR req.toolConfig IS NOT NULL  AS defines_tools,
    CASE WHEN contains(contents, 'audio') OR contains(contents, 'video')
        THEN plan_has_audio(req.messages) ELSE false END          AS has_audio,
    CASE WHEN contains(contents, 'file') OR contains(contents, 'document')
              OR contains(contents, 'mime')
        THEN plan_has_files(req.messages) ELSE false END          AS has_files,
    CAST(coalesce(len(req.tools), json_array_length(req.toolConfig, '$.tools')) AS INTEGER)
                                                                   AS tool_defs,
    plan_user_turns(req.messages)                                  AS turns,
    -- computer tools (migration 014): an Anthropic body's, Converse's toolConfig functions and
    -- the Anthropic tools it passes in additionalModelRequestFields
    -- (only where a request defines tools in one of those places: most define none)
    CASE WHEN req.tools IS NOT NULL OR req.toolConfig IS NOT NULL
              OR req.additionalModelRequestFields IS NOT NULL THEN
    coalesce(plan_computer_tools(req.tools), plan_first_computer_tool(
        json_extract_string(req.additionalModelRequestFields, '$.tools[*].type'),
        json_extract_string(req.toolConfig, '$.tools[*].toolSpec.name'))) END AS computer_tool,
    coalesce(plan_system_text(req.messages), plan_content_text(req.system)) AS system_prompt,
    coalesce(plan_prompt_text(req.messages), req.inputText, req.prompt) AS prompt,
    coalesce(body.output.message.content[1].text, body.content[1].text, body.generation,
             body.results[1].outputText)                           AS response,
    coalesce(len(req.messages), 0)                                 AS n_messages,
    CASE WHEN r.errorCode IS NOT NULL THEN 'error: ' || r.errorCode END AS failure,
    NULL::VARCHAR                                                  AS logged_cost_raw,
    NULL::VARCHAR                                                  AS service_tier,
    NULL::VARCHAR                                                  AS custom_id,
    -- an Anthropic body's web searches (migration 016); Bedrock publishes no per-search
    -- price in plan's table, so any are reported unpriced
    body.usage.server_tool_use.web_search_requests                 AS web_search_raw,
    NULL::VARCHAR AS usage_total_raw,  -- (a logged usage total: Langfuse's, stage 19)
    NULL::VARCHAR AS upstream_cost_raw  -- (the inference part of a logged cost: stage 12)
FROM f
