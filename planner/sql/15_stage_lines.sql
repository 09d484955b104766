-- Stage 15 (line-by-line path): reject lines that are not JSON objects, then parse the rest
-- with the same column spec as the fast path. `raw_lines` holds every line in file order.
CREATE OR REPLACE TEMP TABLE numbered AS
SELECT
    rowid + 1 AS line_no,
    line,
    CASE
        WHEN line IS NULL OR trim(line) = '' THEN 'blank line'
        WHEN NOT json_valid(line) THEN 'not valid JSON'
        WHEN json_type(line) <> 'OBJECT' THEN 'not a JSON object (a JSON ' || lower(json_type(line)) || ')'
    END AS problem
FROM raw_lines
;
CREATE OR REPLACE TEMP TABLE stage_lines AS
SELECT line_no, unnest(json_transform(line, $spec))
FROM numbered
WHERE problem IS NULL
;
CREATE OR REPLACE TEMP VIEW stage AS SELECT * FROM stage_lines
