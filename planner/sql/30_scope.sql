-- Stage 30: the requests this run analyses: those of the files named (TEMP run_files, in the
-- order given), each request_id once (its first occurrence), with its workload resolved:
-- the workload field, else metadata.workload, else a fingerprint of the system prompt, else
-- the model.
CREATE OR REPLACE TEMP TABLE scope AS
WITH scoped AS (
    SELECT r.*, f.ord
    FROM requests r
    JOIN run_files f USING (file_id)
),
ranked AS (
    SELECT
        *,
        CASE WHEN request_id IS NULL THEN 1
             ELSE row_number() OVER (PARTITION BY request_id ORDER BY ord, line_no) END
            AS occurrence
    FROM scoped
)
SELECT
    file_id,
    line_no,
    request_id,
    ts,
    coalesce(
        workload_field,
        workload_tag,
        'system-prompt:' || left(md5(system_prompt), 8),
        'model:' || coalesce(model, 'unknown')
    ) AS workload,
    CASE
        WHEN workload_field IS NOT NULL THEN 'workload field'
        WHEN workload_tag IS NOT NULL THEN 'metadata tag'
        WHEN system_prompt IS NOT NULL THEN 'system prompt fingerprint'
        ELSE 'model'
    END AS workload_source,
    model,
    input_tokens,
    output_tokens,
    cached_input_tokens,
    cache_write_tokens,
    reasoning_tokens,
    tokens_counted,
    task_type,
    team,
    has_images,
    tool_calls,
    has_tools,
    concat_ws(' ', system_prompt, prompt) AS rule_text,
    occurrence
FROM ranked
;
-- Lines whose request_id was already seen: counted as duplicates, per file, then dropped.
CREATE OR REPLACE TEMP TABLE duplicates AS
SELECT file_id, count(*) AS duplicates
FROM scope
WHERE occurrence > 1
GROUP BY file_id
;
DELETE FROM scope WHERE occurrence > 1
