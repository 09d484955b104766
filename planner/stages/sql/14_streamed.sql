-- Streaming, for every other source: the records go from the reader through stages 15-20 into
-- `lines` in one pass, numbered as they stream: row_number() over the reader's own order (DuckDB
-- keeps a stream's order, preserve_insertion_order in planner/db.py, on every thread count).
-- Numbering the stored rows after (an UPDATE) wrote every row again, through the write-ahead log
-- and a checkpoint: 6x the database's bytes; a copy into a table first costs about as much as
-- parsing the file.
CREATE OR REPLACE TEMP VIEW file_records AS
SELECT row_number() OVER () - 1 + getvariable('plan_first_line') AS line_no, line FROM raw_lines
