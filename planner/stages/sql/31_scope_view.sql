-- Stage 31: the requests of the run (stage 30 found its duplicates and batch joins), each with
-- its workload resolved: the workload field, else metadata.workload, else a fingerprint of the
-- system prompt (stored as the line was read: the prompt itself is not kept), else the model.
-- A view: each stage after reads it in one pass.
CREATE OR REPLACE TEMP VIEW scope AS
SELECT
    r.file_id,
    r.line_no,
    r.request_id,
    r.ts,
    CASE
        WHEN r.workload_field IS NOT NULL THEN r.workload_field
        WHEN r.workload_tag IS NOT NULL THEN r.workload_tag
        WHEN coalesce(r.system_fp, b.system_fp) IS NOT NULL
            THEN 'system-prompt:' || coalesce(r.system_fp, b.system_fp)
        ELSE 'model:' || coalesce(r.model, 'unknown')
    END AS workload,
    CASE
        WHEN r.workload_field IS NOT NULL THEN 'workload field'
        WHEN r.workload_tag IS NOT NULL THEN 'metadata tag'
        WHEN coalesce(r.system_fp, b.system_fp) IS NOT NULL THEN 'system prompt fingerprint'
        ELSE 'model'
    END AS workload_source,
    r.model,
    r.input_tokens,
    r.output_tokens,
    r.cached_input_tokens,
    r.cache_write_tokens,
    r.cache_write_1h_tokens,
    r.reasoning_tokens,
    r.tokens_counted,
    r.task_type,
    r.team,
    r.has_images OR coalesce(b.has_images, false) AS has_images,
    r.tool_calls,
    r.has_tools OR coalesce(b.has_tools, false) AS has_tools,
    -- audio (or video) input, file attachments, tools defined, user turns (migration 013)
    r.has_audio,
    r.has_files,
    r.tool_defs,
    r.turns,
    -- the computer tools it defines (migration 014), or its batch input body defines
    coalesce(r.computer_tool, b.computer_tool) AS computer_tool,
    r.logged_cost,
    r.logged_fee,  -- (the part of it beyond the model's inference: migration 019)
    -- server-side web searches (migration 016; NULL: the log cannot say)
    r.web_search_requests,
    r.service_tier,
    -- the hash of its normalised prompt (exact-repeat cache hits, stage 55), and of its text
    -- (system prompt and prompt), whose signals the labels read (stage 45): migration 008
    coalesce(r.prompt_key, b.prompt_key) AS prompt_key,
    coalesce(r.text_hash, b.text_hash) AS text_hash
FROM requests r
JOIN run_files f USING (file_id)
ANTI JOIN duplicate_lines d USING (file_id, line_no)
LEFT JOIN batch_joined b USING (file_id, line_no)
WHERE plan_in_window(r.ts)
