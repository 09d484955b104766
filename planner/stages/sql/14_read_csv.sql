-- Reader for CSV with a header row: each row as a JSON object of text values keyed by the
-- header. Line numbers count the header as line 1 (exact unless a quoted field spans lines).
-- The delimiter and the columns come from the header row (planner/stages/csv_layout.py: variables
-- plan_csv_delim and plan_csv_columns), never from a sniffed sample that one ragged row could
-- fool: a short row is padded with NULLs (its missing fields are then rejected as missing), and
-- a row with more fields than the header fills the last column, named U+FFFF, and is rejected.
CREATE OR REPLACE TEMP VIEW raw_lines AS
SELECT CASE WHEN struct_extract(t, chr(65535)) IS NULL THEN to_json(t)::VARCHAR
    ELSE chr(65535) || 'more fields than the header' END AS line
FROM read_csv(
    getvariable('plan_path'), columns = getvariable('plan_csv_columns'), header = false,
    skip = 1, delim = getvariable('plan_csv_delim'), quote = '"', escape = '"',
    null_padding = true, strict_mode = false, auto_detect = false,
    -- a quoted field may span lines (a Langfuse export's input / output): DuckDB's parallel
    -- scanner refuses that with null_padding, and the file is then not read at all
    parallel = false,
    max_line_size = getvariable('plan_max_line'),
    -- DuckDB's default buffer is 16 lines of the longest (512 MB), which a gzipped file
    -- takes whole from the memory limit (planner/memory.py); two are as fast
    buffer_size = 2 * getvariable('plan_max_line')
) t
