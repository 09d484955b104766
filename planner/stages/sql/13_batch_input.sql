-- Stage 13 (OpenAI Batch API input): {custom_id, method, url, body: a chat-completions or
-- Responses request}. Only lines that cannot be read become `lines` (rejects, with their
-- reason); a readable body goes to batch_bodies (stage 21) for scope to join to its output line
-- on custom_id.
CREATE OR REPLACE TEMP VIEW batch_input AS
SELECT
    line_no,
    CASE
        WHEN line_problem IS NOT NULL THEN line_problem
        WHEN custom_id IS NULL THEN 'field ''custom_id'': missing'
        WHEN body IS NULL THEN 'field ''body'': missing or not an object'
    END AS line_problem,
    excerpt,
    custom_id,
    body AS req,
    coalesce(body.messages, CASE WHEN prefix(body.input, '[') AND json_valid(body.input)
        THEN CASE WHEN json_type(json_extract(body.input, '$[0]')) = 'OBJECT'  -- (as stage 12)
            THEN json_transform(body.input, getvariable('plan_messages_spec')) END END) AS msgs
FROM stage
;
CREATE OR REPLACE TEMP VIEW norm AS
SELECT
    line_no, line_problem, excerpt,
    NULL::VARCHAR AS request_id, NULL::VARCHAR AS ts_raw, NULL::VARCHAR AS workload_field,
    NULL::VARCHAR AS workload_tag, NULL::VARCHAR AS model, NULL::VARCHAR AS input_raw,
    NULL::VARCHAR AS output_raw, NULL::VARCHAR AS cached_raw, NULL::VARCHAR AS cache_write_raw,
    NULL::VARCHAR AS cache_write_1h_raw,
    NULL::VARCHAR AS reasoning_raw, NULL::VARCHAR AS task_type, NULL::VARCHAR AS team,
    NULL::VARCHAR AS images_raw, NULL::VARCHAR AS tool_calls_raw, NULL::BOOLEAN AS defines_tools,
    NULL::BOOLEAN AS has_audio, NULL::BOOLEAN AS has_files, NULL::INTEGER AS tool_defs,
    NULL::INTEGER AS turns, NULL::VARCHAR AS computer_tool,
    NULL::VARCHAR AS system_prompt, NULL::VARCHAR AS prompt, NULL::VARCHAR AS response,
    0 AS n_messages, NULL::VARCHAR AS failure, NULL::VARCHAR AS logged_cost_raw,
    NULL::VARCHAR AS service_tier, NULL::VARCHAR AS custom_id,
    NULL::VARCHAR AS web_search_raw,
    NULL::VARCHAR AS usage_total_raw,  -- (a logged usage total: Langfuse's, stage 19)
    NULL::VARCHAR AS upstream_cost_raw  -- (the inference part of a logged cost: stage 12)
FROM batch_input
WHERE line_problem IS NOT NULL
