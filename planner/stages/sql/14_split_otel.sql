-- Reader step for OpenTelemetry (OTLP/JSON): each line (or .json document) read by 14_read_* is an
-- export request holding many spans. Its records become the GenAI spans (a span with any
-- `gen_ai.` attribute), each with its resource's attributes, in file order; other spans (HTTP,
-- database, ...) are not LLM calls and are counted in plan_skipped, not read. A line that is
-- not an export request stays one record, so that stage 15 rejects it with its reason.
-- (14_split_records.sql then makes the records of the split_items kept.)
CREATE OR REPLACE TEMP TABLE split_lines AS
SELECT *, doc.resourceSpans IS NOT NULL AS has_items
FROM (
    SELECT
        line,
        CASE WHEN json_valid(line)
            THEN json_transform(line, getvariable('plan_otlp_spec')) END AS doc
    FROM raw_lines
)
;
CREATE OR REPLACE TEMP TABLE split_items AS
WITH flat AS (
    SELECT
        rowid AS line_idx,
        flatten(list_transform(doc.resourceSpans, lambda r: flatten(list_transform(
            r.scopeSpans, lambda s: list_transform(s.spans, lambda sp: {
                'span': sp, 'resource': r.resource.attributes}))))) AS spans
    FROM split_lines
    WHERE has_items
),
numbered AS (
    -- (unnest in the select list: a join with range() over each list took 20x as long)
    SELECT line_idx, generate_subscripts(spans, 1) AS i, unnest(spans) AS s
    FROM flat
)
SELECT
    line_idx,
    i,
    to_json(s)::VARCHAR AS line,
    list_bool_or(list_transform(s.span.attributes, lambda a: prefix(a.key, 'gen_ai.'))) AS keep
FROM numbered
