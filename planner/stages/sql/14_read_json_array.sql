-- Reader for a .json document that is an array of records (planner/stages/sources.py reader_for): each
-- element one record, numbered from 1 in place of a line number. (format 'auto' reads an array
-- after a UTF-8 byte-order mark as one record.)
CREATE OR REPLACE TEMP VIEW raw_lines AS
SELECT json::VARCHAR AS line
FROM read_json_objects(
    getvariable('plan_path'), format = 'array',
    maximum_object_size = getvariable('plan_max_line')
)
