-- Stage 20, token counts: between stage 20's checked_lines and its INSERT into `lines`, for a
-- file whose requests lack token counts (token_framing: the input count is missing;
-- count_response: the output count is). Each distinct text to count (a prompt text's head and
-- tail, macros plan_token_head / plan_token_tail, and a response) is taken once, by the MD5 of
-- its text, and only when `token_counts` (migration 010) does not hold it from an earlier file
-- or run; planner/stages/tokens.py counts these in batches of about $batch_bytes characters across
-- the machine's cores and adds them to token_counts; the last two statements fill the counts
-- in. The one statement that holds texts is this one (spilled beyond the memory limit).
CREATE OR REPLACE TEMP TABLE token_todo AS
WITH parts AS (
    SELECT plan_token_head(system_prompt, prompt) AS text FROM checked_lines
    WHERE token_framing IS NOT NULL
    UNION ALL
    SELECT plan_token_tail(system_prompt, prompt) FROM checked_lines
    WHERE token_framing IS NOT NULL
    UNION ALL
    SELECT response FROM checked_lines WHERE count_response
),
distinct_texts AS (
    SELECT md5_number(text) AS text_md5, any_value(text) AS text
    FROM parts WHERE text IS NOT NULL GROUP BY 1
),
numbered AS (
    SELECT row_number() OVER () AS k, text_md5, text
    FROM distinct_texts ANTI JOIN token_counts USING (text_md5)
)
SELECT k, text_md5, text,
       ((sum(strlen(text)) OVER (ORDER BY k) - strlen(text)) // $batch_bytes)::BIGINT AS batch
FROM numbered
;
-- (Joins on the hashes, not correlated subqueries: those would hold every distinct text in
-- memory to decorrelate.)
UPDATE checked_lines SET input_tokens = counted.tokens
FROM (
    SELECT c.rowid AS row_id, c.token_framing + head.tokens + coalesce(tail.tokens, 0) AS tokens
    FROM checked_lines c
    JOIN token_counts head
        ON head.text_md5 = md5_number(plan_token_head(c.system_prompt, c.prompt))
    LEFT JOIN token_counts tail
        ON tail.text_md5 = md5_number(plan_token_tail(c.system_prompt, c.prompt))
    WHERE c.token_framing IS NOT NULL
) counted
WHERE checked_lines.rowid = counted.row_id
;
UPDATE checked_lines SET output_tokens = counted.tokens
FROM (
    SELECT c.rowid AS row_id, r.tokens
    FROM checked_lines c JOIN token_counts r ON r.text_md5 = md5_number(c.response)
    WHERE c.count_response
) counted
WHERE checked_lines.rowid = counted.row_id
