-- Stage 15: the records of the file just read (view file_records, from a 14_read_* stage then
-- 14_numbered or 14_streamed: one row per record, as JSON text, in file order, with its line
-- number, or NULL when stage 22 numbers it after stage 20) parsed with the source's column
-- spec (variable plan_spec: every key read as text or JSON, so that plan's validation sees
-- what the log really holds). A record that is not a JSON object gets its line_problem here;
-- stage 20 checks the fields of the rest.
-- (The records parsed are a view of their own, file_parsed: a split step that parses its items
-- as it splits the lines, 14_split_langfuse.sql, makes it instead, and ingest.py skips this
-- first statement. A coalesce of the two in one view copied every parsed record: +12% CPU.)
CREATE OR REPLACE TEMP VIEW file_parsed AS
SELECT
    line_no,
    line,
    try(json_transform(line, getvariable('plan_spec'))) AS j
FROM file_records
;
CREATE OR REPLACE TEMP VIEW stage AS
WITH checked AS (
    SELECT
        line_no,
        line,
        j,
        CASE  -- the first test passes almost every line; the rest run only on what is left
            WHEN j IS NOT NULL AND coalesce(prefix(line, '{'), true) THEN NULL
            WHEN line IS NULL OR trim(line) = '' THEN 'blank line'
            -- a line the reader could not take as it was: U+FFFF and why (planner/stages/ingest.py)
            WHEN prefix(line, chr(65535)) THEN substr(line, 2)
            WHEN json_valid(line) AND json_type(line) <> 'OBJECT'
                THEN 'not a JSON object (a JSON ' || lower(json_type(line)) || ')'
            WHEN j IS NULL THEN 'not valid JSON'
        END AS line_problem
    FROM file_parsed
)
SELECT
    line_no,
    line_problem,
    CASE WHEN line_problem IS NOT NULL AND NOT prefix(line, chr(65535)) THEN left(line, 120)
    END AS excerpt,
    line AS record,  -- the whole record, for sources that read it as one object
    unnest(j)
FROM checked
