-- Stage 30: the requests this run analyses: those of the files named (TEMP run_files, in the
-- order given) within --since / --until (variables plan_since, plan_until: NULL for no bound;
-- the others are counted as outside), each request_id once; stage 31 views them.
-- Lines whose request_id already appeared earlier in the run are duplicates, but for the line
-- with the most tokens of its id: a Gemini stream logged chunk by chunk closes a turn
-- (finishReason) before its end when a server-side tool ran (the function call, then the reply,
-- one responseId), each chunk counting the stream so far: the last one counts it whole. A
-- request logged twice has the same counts twice: its first occurrence counts. Only repeated
-- ids are ranked, so a log without repeats costs one hash aggregate here.
CREATE OR REPLACE TEMP TABLE duplicate_lines AS
WITH run AS NOT MATERIALIZED (  -- (read twice, cheaper to read again than to keep)
    SELECT r.file_id, r.line_no, r.request_id, f.ord, r.input_tokens + r.output_tokens AS n
    FROM requests r
    JOIN run_files f USING (file_id)
    WHERE r.request_id IS NOT NULL AND plan_in_window(r.ts)
),
repeated AS (
    SELECT request_id FROM run GROUP BY request_id HAVING count(*) > 1
),
ranked AS (
    SELECT
        file_id,
        line_no,
        row_number() OVER (PARTITION BY request_id ORDER BY n DESC NULLS LAST, ord, line_no)
            AS occurrence
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
    WHERE r.custom_id IS NOT NULL AND plan_in_window(r.ts)
    QUALIFY count(*) OVER (PARTITION BY r.custom_id) = 1
),
bodies AS (
    SELECT b.* EXCLUDE (file_id, line_no) FROM batch_bodies b JOIN run_files USING (file_id)
    QUALIFY count(*) OVER (PARTITION BY custom_id) = 1
)
SELECT links.file_id, links.line_no, bodies.* EXCLUDE (custom_id, model)
FROM links JOIN bodies USING (custom_id)
