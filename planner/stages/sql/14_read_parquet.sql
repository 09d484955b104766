-- Reader for Parquet: each row as a JSON object, numbered from 1.
CREATE OR REPLACE TEMP VIEW raw_lines AS
SELECT to_json(t)::VARCHAR AS line
FROM read_parquet(getvariable('plan_path')) t
