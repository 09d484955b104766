-- Stage 21 (after stage 20, OpenAI batch input): each readable request body, with what
-- classification reads of it (images, tool definitions, and the hashes that stand for its
-- system prompt and prompt: migration 008), its text only with --keep-text. Its texts join the
-- file's texts for the text signals: per system prompt (or model), the plan_text_sample of
-- smallest hash.
CREATE OR REPLACE TEMP TABLE body_texts AS
SELECT
    line_no, custom_id, req.model AS model,
    coalesce(plan_system_text(msgs), plan_content_text(req.system), req.instructions)
        AS system_prompt,
    coalesce(plan_prompt_text(msgs), CASE WHEN msgs IS NULL THEN req.input END) AS prompt,
    coalesce(plan_has_images(msgs), false) AS has_images,
    coalesce(len(req.tools), 0) > 0 AS has_tools,
    plan_computer_tools(req.tools) AS computer_tool
FROM batch_input
WHERE line_problem IS NULL
;
INSERT INTO batch_bodies BY NAME
SELECT
    $file_id AS file_id, line_no, custom_id, model,
    CASE WHEN getvariable('plan_keep_text') THEN system_prompt END AS system_prompt,
    CASE WHEN getvariable('plan_keep_text') THEN prompt END AS prompt,
    has_images, has_tools, computer_tool,
    plan_text_hash(system_prompt, prompt) AS text_hash,
    plan_system_fp(system_prompt) AS system_fp,
    plan_prompt_key(prompt) AS prompt_key
FROM body_texts
;
INSERT INTO file_texts
WITH per_key AS (
    SELECT
        coalesce(plan_system_fp(system_prompt), model) AS key,
        plan_text_hash(system_prompt, prompt) AS text_hash,
        left(any_value(concat_ws(' ', system_prompt, prompt)),
             getvariable('plan_text_max_chars')) AS text,
        left(any_value(prompt), getvariable('plan_text_max_chars')) AS prompt
    FROM body_texts
    WHERE coalesce(system_prompt, prompt) IS NOT NULL
    GROUP BY 1, 2
    QUALIFY row_number() OVER (PARTITION BY key ORDER BY text_hash)
        <= getvariable('plan_text_sample')
)
SELECT text_hash, any_value(text), any_value(prompt) FROM per_key
WHERE text_hash NOT IN (SELECT text_hash FROM file_texts)
GROUP BY text_hash
;
DROP TABLE body_texts
