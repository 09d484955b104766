-- Stage 15: the records of the file just read (TEMP raw_lines, filled by a 14_read_* stage: one
-- row per record, as JSON text, in file order), numbered (variable plan_first_line is the line
-- number of the first record: 2 for a CSV file, after its header) and parsed with the source's
-- column spec (variable plan_spec: every key read as text or JSON, so that plan's validation sees
-- what the log really holds). A record that is not a JSON object gets its line_problem here;
-- stage 20 checks the fields of the rest.
-- (raw_lines is a table, not a view, so its rowid numbers the records; WITH ORDINALITY numbers
-- them too, but what follows it runs about twice as slowly in `make bench`.)
CREATE OR REPLACE TEMP VIEW stage AS
WITH parsed AS (
    SELECT
        rowid + getvariable('plan_first_line') AS line_no,
        line,
        try(json_transform(line, getvariable('plan_spec'))) AS j
    FROM raw_lines
),
checked AS (
    SELECT
        line_no,
        line,
        j,
        CASE  -- the first test passes almost every line; the rest run only on what is left
            WHEN j IS NOT NULL AND prefix(line, '{') THEN NULL
            WHEN line IS NULL OR trim(line) = '' THEN 'blank line'
            WHEN json_valid(line) AND json_type(line) <> 'OBJECT'
                THEN 'not a JSON object (a JSON ' || lower(json_type(line)) || ')'
            WHEN j IS NULL THEN 'not valid JSON'
        END AS line_problem
    FROM parsed
)
SELECT
    line_no,
    line_problem,
    CASE WHEN line_problem IS NOT NULL THEN left(line, 120) END AS excerpt,
    line AS record,  -- the whole record, for sources that read it as one object
    unnest(j)
FROM checked
