-- Stage 21 (after stage 20, OpenAI batch input): each readable request body, with what
-- classification reads of it (the system prompt, the prompt, images, tool definitions).
INSERT INTO batch_bodies
SELECT
    $file_id, line_no, custom_id, req.model,
    coalesce(plan_system_text(msgs), plan_content_text(req.system), req.instructions),
    coalesce(plan_prompt_text(msgs), CASE WHEN msgs IS NULL THEN req.input END),
    coalesce(plan_has_images(msgs), false),
    coalesce(len(req.tools), 0) > 0
FROM batch_input
WHERE line_problem IS NULL
