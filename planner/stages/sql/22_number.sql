-- Stage 22 (streamed reads): number any line of file $file_id that stage 20 stored without a
-- number (14_streamed numbers them as they stream, so none, and this updates nothing: an UPDATE
-- of every row would write them all again). DuckDB keeps a stream's order when it inserts it
-- (preserve_insertion_order, set in planner/db.py), and the rows of one INSERT take consecutive
-- row ids, so a row's line number is its row id's offset from the file's first row plus
-- $first_line. (Checked after: the numbers run from $first_line without a gap.)
UPDATE lines
SET line_no = rowid - (SELECT min(rowid) FROM lines WHERE file_id = $file_id) + $first_line
WHERE file_id = $file_id AND line_no IS NULL
