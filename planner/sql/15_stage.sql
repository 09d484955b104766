-- Stage 15: every line of the file named by variable plan_path, numbered from 1, blank ones
-- included, parsed with the source's column spec (variable plan_spec: every key read as text or
-- JSON, so that plan's validation sees what the log really holds). A line that is not a JSON
-- object gets its line_problem here; stage 20 checks the fields of the rest.
-- read_csv with a delimiter that cannot occur unescaped in JSON hands over each line whole.
-- The lines land in a temporary table first: its rowid is the line number, in file order, and
-- later stages read it in parallel (WITH ORDINALITY numbers lines too, but what follows it runs
-- about twice as slowly in `make bench`).
CREATE OR REPLACE TEMP TABLE raw_lines AS
SELECT line
FROM read_csv(
    getvariable('plan_path'),
    columns = {'line': 'VARCHAR'}, header = false, delim = '\x1f', quote = '', escape = '',
    auto_detect = false, max_line_size = getvariable('plan_max_line')
)
;
CREATE OR REPLACE TEMP VIEW stage AS
WITH parsed AS (
    SELECT
        rowid + 1 AS line_no,
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
    unnest(j)
FROM checked
