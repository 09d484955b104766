-- Reader step for OpenTelemetry (OTLP/JSON): each line (or .json document) read by 14_read_* is an
-- export request holding many spans. Its records become the GenAI spans (a span with any
-- `gen_ai.` attribute), each with its resource's attributes, in file order; other spans (HTTP,
-- database, ...) are not LLM calls and are counted in otel_skipped, not read. A line that is
-- not an export request stays one record, so that stage 15 rejects it with its reason.
CREATE OR REPLACE TEMP TABLE otel_lines AS
SELECT
    line,
    CASE WHEN json_valid(line) THEN json_transform(line, getvariable('plan_otlp_spec')) END AS doc
FROM raw_lines
;
CREATE OR REPLACE TEMP TABLE otel_spans AS
WITH flat AS (
    SELECT
        rowid AS line_idx,
        flatten(list_transform(doc.resourceSpans, lambda r: flatten(list_transform(
            r.scopeSpans, lambda s: list_transform(s.spans, lambda sp: {
                'span': sp, 'resource': r.resource.attributes}))))) AS spans
    FROM otel_lines
    WHERE doc.resourceSpans IS NOT NULL
),
numbered AS (
    SELECT line_idx, i, spans[i] AS s
    FROM flat, unnest(range(1, len(spans) + 1)) AS t(i)
)
SELECT
    line_idx,
    i,
    to_json(s)::VARCHAR AS line,
    list_bool_or(list_transform(s.span.attributes, lambda a: prefix(a.key, 'gen_ai.'))) AS genai
FROM numbered
;
SET VARIABLE plan_otel_skipped = (SELECT count(*) FILTER (WHERE NOT coalesce(genai, false))
                                  FROM otel_spans)
;
CREATE OR REPLACE TEMP TABLE otel_records AS
SELECT line FROM (
    SELECT line_idx, i, line FROM otel_spans WHERE genai
    UNION ALL
    SELECT rowid AS line_idx, 0 AS i, line FROM otel_lines WHERE doc.resourceSpans IS NULL
)
ORDER BY line_idx, i
;
-- (the records replace the reader's view of the file)
CREATE OR REPLACE TEMP VIEW raw_lines AS SELECT line FROM otel_records
;
DROP TABLE otel_lines
;
DROP TABLE otel_spans
