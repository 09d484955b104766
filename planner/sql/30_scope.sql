-- Stage 30: the requests this run analyses: those of the files named (TEMP run_files, in the
-- order given), each request_id once (its first occurrence), with its workload resolved:
-- the workload field, else metadata.workload, else a fingerprint of the system prompt, else
-- the model.
-- Lines whose request_id already appeared earlier in the run are duplicates. Only repeated ids
-- are ranked, so a log without repeats costs one hash aggregate here.
CREATE OR REPLACE TEMP TABLE duplicate_lines AS
WITH run AS NOT MATERIALIZED (  -- (read twice, cheaper to read again than to keep)
    SELECT r.file_id, r.line_no, r.request_id, f.ord
    FROM requests r
    JOIN run_files f USING (file_id)
    WHERE r.request_id IS NOT NULL
),
repeated AS (
    SELECT request_id FROM run GROUP BY request_id HAVING count(*) > 1
),
ranked AS (
    SELECT
        file_id,
        line_no,
        row_number() OVER (PARTITION BY request_id ORDER BY ord, line_no) AS occurrence
    FROM run
    SEMI JOIN repeated USING (request_id)
)
SELECT file_id, line_no FROM ranked WHERE occurrence > 1
;
-- OpenAI batch output lines of this run joined to their request bodies from batch input files
-- of this run, on custom_id. Ids repeat across batches ("request-1"), so only an id that is on
-- exactly one output line and one input line of the run joins; the rest are counted, not guessed.
CREATE OR REPLACE TEMP TABLE batch_joined AS
WITH links AS (
    SELECT r.file_id, r.line_no, r.custom_id
    FROM requests r JOIN run_files USING (file_id)
    WHERE r.custom_id IS NOT NULL
    QUALIFY count(*) OVER (PARTITION BY r.custom_id) = 1
),
bodies AS (
    SELECT b.* EXCLUDE (file_id, line_no) FROM batch_bodies b JOIN run_files USING (file_id)
    QUALIFY count(*) OVER (PARTITION BY custom_id) = 1
)
SELECT links.file_id, links.line_no, bodies.* EXCLUDE (custom_id, model)
FROM links JOIN bodies USING (custom_id)
;
CREATE OR REPLACE TEMP VIEW scope AS
SELECT
    r.file_id,
    r.line_no,
    r.request_id,
    r.ts,
    CASE  -- (CASE, not coalesce, so that md5 runs only where it is needed)
        WHEN r.workload_field IS NOT NULL THEN r.workload_field
        WHEN r.workload_tag IS NOT NULL THEN r.workload_tag
        WHEN coalesce(r.system_prompt, b.system_prompt) IS NOT NULL
            THEN 'system-prompt:' || left(md5(coalesce(r.system_prompt, b.system_prompt)), 8)
        ELSE 'model:' || coalesce(r.model, 'unknown')
    END AS workload,
    CASE
        WHEN r.workload_field IS NOT NULL THEN 'workload field'
        WHEN r.workload_tag IS NOT NULL THEN 'metadata tag'
        WHEN coalesce(r.system_prompt, b.system_prompt) IS NOT NULL
            THEN 'system prompt fingerprint'
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
    r.logged_cost,
    r.service_tier,
    coalesce(r.prompt, b.prompt) AS prompt,
    concat_ws(' ', coalesce(r.system_prompt, b.system_prompt), coalesce(r.prompt, b.prompt))
        AS rule_text,
    -- a request's text, once per distinct text, is what the text signals read (stage 45)
    CASE WHEN coalesce(r.system_prompt, b.system_prompt, r.prompt, b.prompt) IS NOT NULL
         THEN hash(coalesce(r.system_prompt, b.system_prompt), coalesce(r.prompt, b.prompt))
    END AS text_hash
FROM requests r
JOIN run_files f USING (file_id)
ANTI JOIN duplicate_lines d USING (file_id, line_no)
LEFT JOIN batch_joined b USING (file_id, line_no)
