-- Stage 22 (streamed reads): number the lines stage 20 stored for file $file_id. DuckDB keeps a
-- stream's order when it inserts it (preserve_insertion_order, set in planner/db.py), and the
-- rows of one INSERT take consecutive row ids, so a row's line number is its row id's offset
-- from the file's first row plus $first_line. (Checked after: the numbers run from $first_line
-- without a gap.)
UPDATE lines
SET line_no = rowid - (SELECT min(rowid) FROM lines WHERE file_id = $file_id) + $first_line
WHERE file_id = $file_id
