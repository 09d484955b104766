-- Numbering, for a source whose stages need line numbers before stage 20 (a prefix cache keyed
-- on earlier lines, a split into spans, a second pass over the records): the records (the view
-- raw_lines of a 14_read_* stage, or the records a 14_split_* step made) are copied into a table,
-- whose rowid numbers them in file order from variable plan_first_line (2 for a CSV file,
-- after its header).
CREATE OR REPLACE TEMP TABLE numbered_lines AS SELECT line FROM raw_lines
;
CREATE OR REPLACE TEMP VIEW file_records AS
SELECT rowid + getvariable('plan_first_line') AS line_no, line FROM numbered_lines
