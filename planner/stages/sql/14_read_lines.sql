-- Reader for JSON lines (.jsonl, .ndjson, optionally gzipped): every line of the file named by
-- variable plan_path, blank ones included, in file order. read_csv with a delimiter that cannot
-- occur unescaped in JSON hands over each line whole. (A view: the file is read when stage 20
-- runs, in one streaming pass, unless 14_numbered copies it to a table first.)
CREATE OR REPLACE TEMP VIEW raw_lines AS
SELECT line
FROM read_csv(
    getvariable('plan_path'),
    columns = {'line': 'VARCHAR'}, header = false, delim = '\x1f', quote = '', escape = '',
    auto_detect = false, max_line_size = getvariable('plan_max_line'),
    -- DuckDB's default buffer is 16 lines of the longest (512 MB), which a gzipped file
    -- takes whole from the memory limit (planner/memory.py); two are as fast
    buffer_size = 2 * getvariable('plan_max_line')
)
