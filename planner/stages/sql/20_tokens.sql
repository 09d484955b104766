-- Stage 20, token counts: between stage 20's checked_lines and its INSERT into `lines`, for a
-- file whose requests lack token counts (token_framing: the input count is missing;
-- count_response: the output count is). A request's texts to count are a prompt text's head
-- and tail (macros plan_token_head / plan_token_tail) and its response; each is known by its
-- MD5, computed once a request (token_rows), and a distinct text is counted once, only when
-- `token_counts` (migration 010) does not hold it from an earlier file or run (token_firsts:
-- the first request holding each such text).
-- Each such text is cut into lines (token_chunks, macro plan_token_lines): after a newline that
-- a letter, number, punctuation mark or symbol follows, where cl100k_base's pre-tokenizer
-- always ends a piece, so that the text's count is the sum of its lines' counts
-- (tests/test_tokens.py checks it against tiktoken's count of the whole text); a line many
-- texts share (a system prompt made from a template, with the user's name in its first line) is
-- then counted once. A text holding chr(1), the cut's marker, is not cut.
-- The texts are read in parts of the file's rows, each holding about $part_chars characters of
-- text (planner/stages/tokens.py: a share of DuckDB's memory limit), so that the lines of one
-- part are cut, grouped and counted in memory: the statements from token_chunks to the sums run
-- once a part ($part; its rows $first to $last, which the scan of checked_lines reads alone).
-- planner/stages/tokens.py counts the distinct lines token_counts lacks (token_todo), in batches of
-- about $batch_bytes characters across the machine's cores, and adds them to token_counts; the
-- next statement adds each text's sum; the last two fill the counts in by the rows' hashes.
CREATE OR REPLACE TEMP MACRO plan_token_lines(text) AS
    CASE WHEN contains(text, chr(1)) OR NOT contains(text, chr(10)) THEN [text]
         ELSE string_split(regexp_replace(text, '\n([\p{L}\p{N}\p{P}\p{S}])',
                                          chr(10) || chr(1) || '\1', 'g'), chr(1)) END
;
CREATE OR REPLACE TEMP TABLE token_rows AS
SELECT rowid AS row_id, token_framing,
       CASE WHEN token_framing IS NOT NULL
            THEN md5_number(plan_token_head(system_prompt, prompt)) END AS head_md5,
       CASE WHEN token_framing IS NOT NULL
            THEN md5_number(plan_token_tail(system_prompt, prompt)) END AS tail_md5,
       CASE WHEN count_response THEN md5_number(response) END AS response_md5,
       coalesce(strlen(system_prompt), 0) + coalesce(strlen(prompt), 0)
           + coalesce(strlen(response), 0) AS chars
FROM checked_lines WHERE token_framing IS NOT NULL OR count_response
;
-- Each text not counted before: the first request holding it (its row and which of its texts:
-- row * 4 + 1, 2 or 3) and the part of the rows that request is in.
CREATE OR REPLACE TEMP TABLE token_firsts AS
WITH firsts AS (
    SELECT text_md5, min(code) AS code
    FROM (SELECT head_md5 AS text_md5, row_id * 4 + 1 AS code FROM token_rows
          UNION ALL SELECT tail_md5, row_id * 4 + 2 FROM token_rows
          UNION ALL SELECT response_md5, row_id * 4 + 3 FROM token_rows)
    WHERE text_md5 IS NOT NULL
    GROUP BY text_md5
),
parts AS (
    SELECT row_id, (sum(chars) OVER (ORDER BY row_id) - chars) // $part_chars AS part
    FROM token_rows
)
SELECT f.text_md5, f.code, p.part
FROM (SELECT * FROM firsts ANTI JOIN token_counts USING (text_md5)) f
JOIN parts p ON p.row_id = f.code // 4
;
-- A part's texts, each taken from the first request holding it, cut into lines: one row a
-- distinct line, with the texts it is a line of (a text as often as the line is in it).
CREATE OR REPLACE TEMP TABLE token_chunks AS
WITH todo AS (
    SELECT f.text_md5, plan_token_lines(CASE f.code % 4
        WHEN 1 THEN plan_token_head(c.system_prompt, c.prompt)
        WHEN 2 THEN plan_token_tail(c.system_prompt, c.prompt)
        ELSE c.response END) AS chunks
    FROM (SELECT * FROM token_firsts WHERE part = $part) f
    JOIN checked_lines c ON c.rowid = f.code // 4
    WHERE c.rowid BETWEEN $first AND $last
)
SELECT md5_number(chunk) AS chunk_md5, chunk, texts  -- (an MD5 a distinct line, not a line)
FROM (SELECT chunk, list(text_md5) AS texts
      FROM (SELECT text_md5, unnest(chunks) AS chunk FROM todo)
      GROUP BY chunk)
;
CREATE OR REPLACE TEMP TABLE token_todo AS
WITH numbered AS (
    SELECT row_number() OVER () AS k, text_md5, text
    FROM (SELECT chunk_md5 AS text_md5, chunk AS text FROM token_chunks)
    ANTI JOIN token_counts USING (text_md5)
)
SELECT k, text_md5, text,
       ((sum(strlen(text)) OVER (ORDER BY k) - strlen(text)) // $batch_bytes)::BIGINT AS batch
FROM numbered
;
-- Each text's count, the sum of its lines' (a text of one line is its line: counted already).
INSERT INTO token_counts
SELECT t.text_md5, sum(n.tokens)::BIGINT
FROM (SELECT chunk_md5, unnest(texts) AS text_md5 FROM token_chunks) t
JOIN token_counts n ON n.text_md5 = t.chunk_md5
WHERE NOT EXISTS (SELECT 1 FROM token_counts c WHERE c.text_md5 = t.text_md5)
GROUP BY t.text_md5
;
-- (Joins on the hashes, not correlated subqueries: those would hold every distinct text in
-- memory to decorrelate.)
UPDATE checked_lines SET input_tokens = counted.tokens
FROM (
    SELECT r.row_id, r.token_framing + head.tokens + coalesce(tail.tokens, 0) AS tokens
    FROM token_rows r
    JOIN token_counts head ON head.text_md5 = r.head_md5
    LEFT JOIN token_counts tail ON tail.text_md5 = r.tail_md5
    WHERE r.token_framing IS NOT NULL
) counted
WHERE checked_lines.rowid = counted.row_id
;
UPDATE checked_lines SET output_tokens = counted.tokens
FROM (
    SELECT r.row_id, n.tokens
    FROM token_rows r JOIN token_counts n ON n.text_md5 = r.response_md5
) counted
WHERE checked_lines.rowid = counted.row_id
