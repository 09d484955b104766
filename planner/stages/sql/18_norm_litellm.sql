-- Stage 18 (LiteLLM proxy): SpendLogs rows (the LiteLLM_SpendLogs table, exported as JSON lines,
-- a JSON array or CSV) and StandardLoggingPayload objects (what LiteLLM hands its logging
-- callbacks). prompt_tokens / completion_tokens are in OpenAI's accounting (cached and reasoning
-- tokens included). `spend` (SpendLogs) or `response_cost` (payload) is what LiteLLM charged: kept
-- as logged_cost so as-logged can be reconciled against it. metadata, messages and request_tags
-- are JSON in the payload and JSON *text* in SpendLogs rows: plan_json_value reads either.
-- The workload is metadata.spend_logs_metadata.workload (set per key or per request in LiteLLM),
-- else a request tag 'workload:NAME'; the team is team_id, else the key's team alias.
CREATE OR REPLACE TEMP VIEW norm AS
WITH j AS (
    SELECT
        *,
        plan_json_value(metadata) AS meta,
        plan_json_value(messages) AS msgs_json,
        plan_json_value(request_tags) AS tags
    FROM stage
),
m AS (
    SELECT
        *,
        CASE WHEN json_type(msgs_json) = 'ARRAY'
            THEN json_transform(msgs_json, getvariable('plan_messages_spec')) END AS msgs,
        coalesce(json_extract(meta, '$.usage_object'), json_extract(response, '$.usage')) AS usage
    FROM j
)
SELECT
    line_no,
    line_problem,
    excerpt,
    coalesce(request_id, id)                                        AS request_id,
    startTime                                                       AS ts_raw,
    NULL::VARCHAR                                                   AS workload_field,
    coalesce(
        meta ->> '$.spend_logs_metadata.workload',
        regexp_extract(list_filter(json_extract_string(tags, '$[*]'),
            lambda t: starts_with(t, 'workload:'))[1], '^workload:(.*)$', 1))
                                                                    AS workload_tag,
    model,
    prompt_tokens                                                   AS input_raw,
    completion_tokens                                               AS output_raw,
    -- (LiteLLM's usage of an Anthropic call: the reads also as cache_read_input_tokens, the
    -- writes at the top level, in older versions as prompt_tokens_details.cache_creation_tokens,
    -- in newer ones also as cache_write_tokens; the 1-hour writes in prompt_tokens_details'
    -- cache_creation_token_details)
    coalesce(usage ->> '$.prompt_tokens_details.cached_tokens',
             usage ->> '$.cache_read_input_tokens')                 AS cached_raw,
    coalesce(usage ->> '$.cache_creation_input_tokens',
             usage ->> '$.prompt_tokens_details.cache_write_tokens',
             usage ->> '$.prompt_tokens_details.cache_creation_tokens') AS cache_write_raw,
    coalesce(usage ->> '$.cache_creation.ephemeral_1h_input_tokens',
             json_extract_string(usage, '$.prompt_tokens_details.cache_creation_token_details'
                                        || '.ephemeral_1h_input_tokens')) AS cache_write_1h_raw,
    usage ->> '$.completion_tokens_details.reasoning_tokens'        AS reasoning_raw,
    meta ->> '$.spend_logs_metadata.task_type'                      AS task_type,
    coalesce(nullif(team_id, ''), meta ->> '$.user_api_key_team_alias',
             meta ->> '$.user_api_key_team_id')                     AS team,
    CAST(plan_has_images(msgs) AS VARCHAR)                          AS images_raw,
    CAST(coalesce(len(json_extract(response, '$.choices[*].message.tool_calls[*]')), 0)
        AS VARCHAR)                                                 AS tool_calls_raw,
    NULL::BOOLEAN                                                   AS defines_tools,
    plan_has_audio(msgs) AS has_audio, plan_has_files(msgs) AS has_files,
    NULL::INTEGER AS tool_defs, plan_user_turns(msgs) AS turns,
    NULL::VARCHAR AS computer_tool,
    plan_system_text(msgs)                                          AS system_prompt,
    plan_prompt_text(msgs)                                          AS prompt,
    response ->> '$.choices[0].message.content'                     AS response,
    coalesce(len(msgs), 0)                                          AS n_messages,
    CASE WHEN lower(status) IN ('failure', 'failed', 'error')
        THEN 'LiteLLM status ' || status || coalesce(': ' || left(coalesce(
            meta ->> '$.error_information.error_message', meta ->> '$.error_str'), 200), '')
    END                                                             AS failure,
    coalesce(spend, response_cost)                                  AS logged_cost_raw,
    NULL::VARCHAR                                                   AS service_tier,
    NULL::VARCHAR                                                   AS custom_id,
    -- an Anthropic call's web searches, where the usage object keeps them (migration 016)
    usage ->> '$.server_tool_use.web_search_requests'               AS web_search_raw,
    NULL::VARCHAR AS usage_total_raw,  -- (a logged usage total: Langfuse's, stage 19)
    NULL::VARCHAR AS upstream_cost_raw  -- (the inference part of a logged cost: stage 12)
FROM m
