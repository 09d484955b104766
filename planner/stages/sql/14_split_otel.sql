-- Reader step for OpenTelemetry (OTLP/JSON): each line (or .json document) read by 14_read_* is an
-- export request holding many spans. Its records become the GenAI spans (a span with any
-- `gen_ai.` attribute), each with its resource's attributes, in file order; other spans (HTTP,
-- database, ...) are not LLM calls and are counted in plan_skipped, not read, as are agent spans
-- that repeat the usage of their trace's model calls (below). A line that is
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
),
flagged AS (
    SELECT
        line_idx, i, s,
        list_bool_or(list_transform(s.span.attributes, lambda a: prefix(a.key, 'gen_ai.')))
            AS gen_ai,
        coalesce(list_bool_or(list_transform(s.span.attributes,
            lambda a: prefix(a.key, 'gen_ai.usage.'))), false) AS counts,
        coalesce(list_bool_or(list_transform(s.span.attributes,
            lambda a: a.key = 'gen_ai.operation.name' AND (prefix(a.value.stringValue, 'invoke_')
                OR a.value.stringValue IN ('create_agent', 'execute_tool',
                                           'execute_event_loop_cycle')))), false) AS no_call
    FROM numbered
)
-- A span of an operation that is not a model call (gen_ai.operation.name invoke_agent or another
-- invoke_*, a workflow's or a multi-agent graph's; create_agent; execute_tool; Strands Agents'
-- execute_event_loop_cycle) is skipped when it counts no tokens (it was rejected as having
-- none). Such a span may carry the usage of the whole run, the sum of its model calls' spans (the
-- GenAI conventions' agent spans; pydantic-ai before gen_ai.aggregated_usage, Strands Agents,
-- Copilot Chat write it so): where its trace holds a model call's span with usage of its own, it
-- is that roll-up and is skipped, not counted twice; one whose calls are not in the file (a
-- remote agent) is the only record of them and is kept.
-- (Traces are told apart within a file: line_idx >> 32 is the file on Spark, 0 on DuckDB.)
SELECT
    line_idx,
    i,
    to_json(s)::VARCHAR AS line,
    gen_ai AND NOT (no_call AND NOT counts)
        AND NOT (no_call AND counts AND coalesce(bool_or(counts AND NOT no_call) OVER (
        PARTITION BY line_idx >> 32, coalesce(s.span.traceId, CAST(line_idx AS VARCHAR) || ':'
            || CAST(i AS VARCHAR))), false)) AS keep
FROM flagged
