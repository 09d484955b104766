-- Reader step for Langfuse trace downloads: each line (or .json document) read by 14_read_* is
-- {trace, observations}, as the Langfuse UI's download and the public API's GET /traces/{id}
-- give it. Its records become the GENERATION and EMBEDDING observations (the types Langfuse
-- tracks usage on), in file order, each with the trace's
-- tags and metadata beside it (as `trace`: stage 19 reads them where the observation has none;
-- the workload may be named on the trace); the other observations (SPAN, EVENT, ...) are not
-- LLM calls and are counted in plan_skipped, not read. A line that is not a trace download
-- stays one record, so that stage 19 rejects it with its reason. (14_split_records.sql then
-- makes the records of the split_items kept.)
-- Each line is parsed once, into the observations' JSON texts and the trace's tags and
-- metadata (JSON texts too); an observation's record is its own text with `trace` appended, so
-- that stage 15 parses it once more, not merged and written again.
CREATE OR REPLACE TEMP TABLE split_lines AS
SELECT
    CASE WHEN t.observations IS NULL THEN line END AS line,  -- (kept whole: read as it is)
    t.observations,
    t.observations IS NOT NULL AS has_items,
    ',"trace":{"tags":' || coalesce(t.trace.tags, 'null') || ',"metadata":'
        || coalesce(t.trace.metadata, 'null') || '}}' AS context
FROM (
    SELECT line, try(json_transform(line,
        '{"trace": {"tags": "JSON", "metadata": "JSON"}, "observations": ["JSON"]}')) AS t
    FROM raw_lines
)
;
CREATE OR REPLACE TEMP TABLE split_items AS
SELECT
    line_idx,
    i,
    -- (an observation that is not an object, or an empty one, is kept as it is)
    CASE WHEN prefix(o, '{') AND o <> '{}' THEN substr(o, 1, length(o) - 1) || context ELSE o END
        AS line,
    upper(json_extract_string(o, '$.type')) IN ('GENERATION', 'EMBEDDING') AS keep
FROM (
    -- (unnest in the select list: a join with range() over each list took 20x as long)
    SELECT rowid AS line_idx, generate_subscripts(observations, 1) AS i,
           unnest(observations)::VARCHAR AS o, context
    FROM split_lines
    WHERE has_items
)
