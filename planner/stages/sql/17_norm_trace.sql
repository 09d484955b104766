-- Stage 17 (request traces: a time and two token counts per request, Mooncake's prefix-cache
-- tokens, nothing else). The model
-- is variable plan_model (--model, or the default the report states) and the workload variable
-- plan_workload (--workload, or the file name); every other field is absent, so NULL.
CREATE OR REPLACE TEMP VIEW norm AS
SELECT
    line_no,
    line_problem,
    excerpt,
    NULL::VARCHAR                   AS request_id,
    ts_raw,
    getvariable('plan_workload')    AS workload_field,
    NULL::VARCHAR                   AS workload_tag,
    getvariable('plan_model')       AS model,
    input_raw,
    output_raw,
    cached_raw,                     -- Mooncake: prefix-cache blocks; Azure: none
    NULL::VARCHAR                   AS cache_write_raw,
    NULL::VARCHAR                   AS cache_write_1h_raw,
    NULL::VARCHAR                   AS reasoning_raw,
    NULL::VARCHAR                   AS task_type,
    NULL::VARCHAR                   AS team,
    NULL::VARCHAR                   AS images_raw,
    NULL::VARCHAR                   AS tool_calls_raw,
    NULL::BOOLEAN                   AS defines_tools,
    NULL::BOOLEAN AS has_audio, NULL::BOOLEAN AS has_files, NULL::INTEGER AS tool_defs,
    NULL::INTEGER AS turns, NULL::VARCHAR AS computer_tool,
    NULL::VARCHAR                   AS system_prompt,
    NULL::VARCHAR                   AS prompt,
    NULL::VARCHAR                   AS response,
    0                               AS n_messages,
    NULL::VARCHAR                   AS failure,
    NULL::VARCHAR                   AS logged_cost_raw,
    NULL::VARCHAR                   AS service_tier,
    NULL::VARCHAR                   AS custom_id,
    NULL::VARCHAR                   AS web_search_raw,
    NULL::VARCHAR AS usage_total_raw,  -- (a logged usage total: Langfuse's, stage 19)
    NULL::VARCHAR AS upstream_cost_raw  -- (the inference part of a logged cost: stage 12)
FROM trace_records
