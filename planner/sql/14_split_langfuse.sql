-- Reader step for Langfuse trace downloads: each line (or .json document) read by 14_read_* is
-- {trace, observations}, as the Langfuse UI's download and the public API's GET /traces/{id}
-- give it. Its records become the GENERATION observations, in file order, each with the trace's
-- tags and metadata unless it has its own (the workload may be named on the trace); the other
-- observations (SPAN, EVENT, ...) are not LLM calls and are counted in plan_skipped, not read.
-- A line that is not a trace download stays one record, so that stage 19 rejects it with its
-- reason. (14_split_records.sql then makes the records of the split_items kept.)
CREATE OR REPLACE TEMP TABLE split_lines AS
SELECT *, observations IS NOT NULL AS has_items
FROM (
    SELECT
        line,
        CASE WHEN json_valid(line) AND json_type(line, '$.observations') = 'ARRAY'
            THEN CAST(json_extract(line, '$.observations') AS JSON[]) END AS observations,
        CASE WHEN json_valid(line) THEN json_object(
            'tags', json_extract(line, '$.trace.tags'),
            'metadata', json_extract(line, '$.trace.metadata')) END AS context
    FROM raw_lines
)
;
CREATE OR REPLACE TEMP TABLE split_items AS
SELECT
    l.rowid AS line_idx,
    i,
    json_merge_patch(context, observations[i])::VARCHAR AS line,
    upper(json_extract_string(observations[i], '$.type')) = 'GENERATION' AS keep
FROM split_lines l, unnest(range(1, len(observations) + 1)) AS t(i)
WHERE has_items
