-- Stage 20, token counts: between stage 20's checked_lines and its INSERT into `lines`, for a
-- file whose requests lack token counts (token_framing: the input count is missing;
-- count_response: the output count is). Each distinct text to count (a prompt text's head and
-- tail, macros plan_token_head / plan_token_tail, and a response) is taken once, by the MD5 of
-- its text, and only when `token_counts` (migration 010) does not hold it from an earlier file
-- or run. Each such text is cut into lines (token_chunks): after a newline that a letter,
-- number, punctuation mark or symbol follows, where cl100k_base's pre-tokenizer always ends a
-- piece, so that the text's count is the sum of its lines' counts (tests/test_tokens.py checks
-- it against tiktoken's count of the whole text); a line many texts share (a system prompt
-- made from a template, with the user's name in its first line) is then counted once.
-- planner/tokens.py counts the distinct lines token_counts lacks (token_todo), in batches of
-- about $batch_bytes characters across the machine's cores, and adds them to token_counts; the
-- next statement adds each text's sum; the last two fill the counts in. A text holding chr(1),
-- the cut's marker, is not cut. The statements that hold texts are the first two (spilled
-- beyond the memory limit).
CREATE OR REPLACE TEMP MACRO plan_token_lines(text) AS
    CASE WHEN contains(text, chr(1)) OR NOT contains(text, chr(10)) THEN [text]
         ELSE string_split(regexp_replace(text, '\n([\p{L}\p{N}\p{P}\p{S}])',
                                          chr(10) || chr(1) || '\1', 'g'), chr(1)) END
;
CREATE OR REPLACE TEMP TABLE token_chunks AS
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
todo AS (
    SELECT text_md5, plan_token_lines(text) AS chunks
    FROM distinct_texts ANTI JOIN token_counts USING (text_md5)
)
SELECT text_md5, md5_number(chunk) AS chunk_md5, chunk
FROM (SELECT text_md5, unnest(chunks) AS chunk FROM todo)
;
CREATE OR REPLACE TEMP TABLE token_todo AS
WITH numbered AS (
    SELECT row_number() OVER () AS k, text_md5, text
    FROM (SELECT chunk_md5 AS text_md5, any_value(chunk) AS text FROM token_chunks GROUP BY 1)
    ANTI JOIN token_counts USING (text_md5)
)
SELECT k, text_md5, text,
       ((sum(strlen(text)) OVER (ORDER BY k) - strlen(text)) // $batch_bytes)::BIGINT AS batch
FROM numbered
;
-- Each text's count, the sum of its lines' (a text of one line is its line: counted already).
INSERT INTO token_counts
SELECT c.text_md5, sum(n.tokens)::BIGINT
FROM token_chunks c JOIN token_counts n ON n.text_md5 = c.chunk_md5
WHERE NOT EXISTS (SELECT 1 FROM token_counts t WHERE t.text_md5 = c.text_md5)
GROUP BY c.text_md5
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
