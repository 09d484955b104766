-- Reader step for Langfuse trace downloads: each line (or .json document) read by 14_read_* is
-- {trace, observations}, as the Langfuse UI's download and the public API's GET /traces/{id}
-- give it. Its records become the GENERATION and EMBEDDING observations (the types Langfuse
-- tracks usage on), in file order, each with the trace's tags and metadata beside it (as
-- `trace`: stage 19 reads them where the observation has none; the workload may be named on
-- the trace); the other observations (SPAN, EVENT, ...) are not LLM calls and are counted in
-- plan_skipped, not read. A line that is not a trace download stays one record, so that stage
-- 15 parses it and stage 19 rejects it with its reason; a line whose list of observations is
-- empty becomes one rejected record (as 14_split_records.sql marks them: a line is never left
-- out).
-- Each line is parsed once, into its trace and its observations as JSON texts; those kept (by
-- the type read from each text) are parsed from their text into stage 15's structure (variable
-- plan_spec, the Langfuse columns, `trace` last), the others not at all: the records this step
-- hands on are parsed already (view file_parsed, which stage 15 reads). (The whole line parsed
-- into that structure, spans too, cost as much with one span per generation, and 1.3-1.5x as
-- much with five: a structure of 24 keys costs per key, present or not, and spans are most
-- observations of an agent's trace.) One row per line is kept, in the reader's order; the
-- records are numbered as they are unnested from it, as 14_streamed numbers a file's lines (no
-- sort). (Spark: planner/stages/spark/split.py reads the same records with from_json.)
SET VARIABLE plan_split_spec = json_object(
    'trace', json_extract(getvariable('plan_spec'), '$.trace'), 'observations', ['JSON'])
;
SET VARIABLE plan_observation_spec = json_merge_patch(getvariable('plan_spec'), '{"trace": null}')
;
CREATE OR REPLACE TEMP TABLE split_lines AS
SELECT
    CASE WHEN t.observations IS NULL THEN line END AS line,  -- (kept whole: read as it is)
    t.trace,
    len(t.observations) AS items,
    list_transform(list_filter(t.observations,
            lambda o: upper(json_extract_string(o, '$.type')) IN ('GENERATION', 'EMBEDDING')),
        lambda o: json_transform(o, getvariable('plan_observation_spec'))) AS kept
FROM (
    SELECT line, try(json_transform(line, getvariable('plan_split_spec'))) AS t
    FROM raw_lines
)
;
SET VARIABLE plan_skipped = (SELECT coalesce(sum(items - len(kept)), 0) FROM split_lines)
;
CREATE OR REPLACE TEMP VIEW file_parsed AS
SELECT
    row_number() OVER () - 1 + getvariable('plan_first_line') AS line_no,
    line,
    -- (a line kept whole is parsed as stage 15 parses every record)
    CASE WHEN items > 0 THEN struct_insert(o, trace := trace)
         ELSE try(json_transform(line, getvariable('plan_spec'))) END AS j
FROM (
    SELECT
        -- (a container with nothing in it: one record, marked, which stage 15 rejects)
        CASE WHEN items = 0 THEN chr(65535) || 'nothing to read: its list of records is empty'
             ELSE line END AS line,
        -- (unnest in the select list: a join with range() over each list took 20x as long)
        unnest(CASE WHEN items > 0 THEN kept ELSE [NULL] END) AS o,
        trace,
        items
    FROM split_lines
)
