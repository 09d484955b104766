-- Reader for one JSON document (.json): an array of records, or a single record. Each array
-- element is one record, numbered from 1 in place of a line number.
CREATE OR REPLACE TEMP VIEW raw_lines AS
SELECT json::VARCHAR AS line
FROM read_json_objects(
    getvariable('plan_path'), format = 'auto',
    maximum_object_size = getvariable('plan_max_line')
)
