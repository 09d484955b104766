-- Stage 12, OpenAI Chat Completions only: what 12_norm_api.sql gives a chat completion body
-- (object 'chat.completion', with its usage: not a stream), without telling eight APIs and
-- their streams apart on every row (30% of such a file's ingest). planner/stages/ingest.py
-- runs it in place of 12_norm_api when every sampled record's body is one (sources.py,
-- chat_variant); a record that is not (another API, a stream, a request read from
-- `input`, `contents` or `system`) stops the read with NOT_PLAIN (error()), and the file is
-- read again with 12_norm_api: each column here is that stage's value for the rows let through
-- (a line already rejected keeps its problem: its columns are NULL in both). Spark runs
-- 12_norm_api for every file.
CREATE OR REPLACE TEMP VIEW norm AS
WITH p AS (
    SELECT
        *,
        req.messages AS msgs,
        resp.usage AS usage,
        plan_has_parts(req.messages) AS has_parts,
        -- what 12_norm_api.sql reads as a chat completion body, and nothing of another API's
        raw_resp IS NULL AND resp.object = 'chat.completion' AND resp.type IS NULL
            AND resp.usageMetadata IS NULL AND resp.candidates IS NULL
            AND resp.promptFeedback IS NULL AND resp.usage.billed_units IS NULL
            AND resp.meta.billed_units IS NULL AND resp.usage.inputTokens IS NULL
            AND resp.prompt_token_count IS NULL AND resp.inputTextTokenCount IS NULL
            AND resp.output IS NULL AND resp.content IS NULL AND resp.message IS NULL
            AND req.messages IS NOT NULL AND req.input IS NULL AND req.system IS NULL
            AND req.instructions IS NULL AND req.contents IS NULL
            AND req.systemInstruction IS NULL AS plain
    FROM calls
)
SELECT
    line_no,
    CASE WHEN line_problem IS NOT NULL THEN line_problem
        WHEN plain IS NOT true THEN error('NOT_PLAIN: a record that is not a plain chat completion')
    END                                                             AS line_problem,
    excerpt,
    coalesce(request_id, resp.id, resp.responseId)                  AS request_id,
    coalesce(ts_raw, resp.created)                                  AS ts_raw,
    workload_field,
    workload_tag,
    coalesce(resp.model, resp.modelVersion, req.model)              AS model,
    usage.prompt_tokens                                             AS input_raw,
    plan_chat_output(usage)                                         AS output_raw,
    coalesce(usage.prompt_tokens_details.cached_tokens, usage.prompt_cache_hit_tokens,
             usage.cache_read_input_tokens)                         AS cached_raw,
    plan_chat_cache_write(usage)                                    AS cache_write_raw,
    plan_chat_cache_write_1h(usage)                                 AS cache_write_1h_raw,
    usage.completion_tokens_details.reasoning_tokens                AS reasoning_raw,
    task_type,
    team,
    CAST(CASE WHEN has_parts THEN plan_has_images(msgs) ELSE false END AS VARCHAR) AS images_raw,
    CAST(
        coalesce(list_sum(list_transform(msgs, lambda m: plan_tool_uses(m.tool_calls, m.content)
                                                + coalesce(m.type = 'function_call', false)::INT)), 0)
        + coalesce(list_sum(list_transform(resp.choices, lambda c:
            coalesce(len(c.message.tool_calls), 0))), 0)
    AS VARCHAR)                                                     AS tool_calls_raw,
    coalesce(len(req.tools), 0) > 0                                 AS defines_tools,
    CASE WHEN has_parts THEN plan_has_audio(msgs) ELSE false END    AS has_audio,
    CASE WHEN has_parts THEN plan_has_files(msgs) ELSE false END    AS has_files,
    CAST(len(req.tools) AS INTEGER)                                 AS tool_defs,
    CAST(CASE WHEN msgs IS NOT NULL THEN plan_user_turns(msgs) END AS INTEGER) AS turns,
    plan_computer_tools(req.tools)                                  AS computer_tool,
    plan_system_text(msgs)                                          AS system_prompt,
    plan_prompt_text(msgs)                                          AS prompt,
    nullif(plan_content_text(resp.choices[1].message.content), '')  AS response,
    coalesce(len(msgs), 0)                                          AS n_messages,
    coalesce(failure, CASE WHEN json_type(resp.error) = 'OBJECT'
        THEN 'error: ' || coalesce(json_extract_string(resp.error, '$.message'),
                                   json_extract_string(resp.error, '$.type'), '?')
    END)                                                            AS failure,
    plan_usage_cost(usage.cost, usage.cost_in_usd_ticks, CASE WHEN usage.is_byok = 'true'
        THEN usage.cost_details.upstream_inference_cost END)        AS logged_cost_raw,
    coalesce(service_tier, resp.service_tier)                       AS service_tier,
    custom_id,
    -- (OpenRouter's count; an OpenAI search model's chat completion: one, 12_norm_api.sql)
    coalesce(usage.server_tool_use_details.web_search_requests,
             CASE WHEN contains(coalesce(resp.model, req.model), '-search-') THEN '1' END)
                                                                    AS web_search_raw,
    NULL::VARCHAR AS usage_total_raw,
    -- the inference part of the logged cost (OpenRouter: cost_details; migration 019)
    plan_upstream_cost(usage)                                       AS upstream_cost_raw
FROM p
