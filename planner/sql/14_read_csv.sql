-- Reader for CSV with a header row: each row as a JSON object of text values keyed by the
-- header. Line numbers count the header as line 1 (exact unless a quoted field spans lines).
CREATE OR REPLACE TEMP VIEW raw_lines AS
SELECT to_json(t)::VARCHAR AS line
FROM read_csv(
    getvariable('plan_path'), all_varchar = true, header = true,
    max_line_size = getvariable('plan_max_line')
) t
