-- Stage 19 (Langfuse generation observations, exported as JSON or CSV): id, startTime, model,
-- usageDetails (or the older usage {input, output, total} / {promptTokens, completionTokens}),
-- metadata, tags, input, output, level, statusMessage, calculatedTotalCost (current versions:
-- totalCost, costDetails.total). Also the GENERATION observations of a trace download
-- (14_split_langfuse.sql).
-- Langfuse's usageDetails keep cache and reasoning tokens in their own keys, outside `input`
-- and `output` (the total is the sum of all keys), so plan adds them back: input = input + cache
-- reads + cache writes, output = output + reasoning.
-- The workload is metadata.workload, else a tag 'workload:NAME', else the observation's name.
-- An observation of another type (SPAN, EVENT) is rejected; level ERROR is a failed request.
CREATE OR REPLACE TEMP VIEW norm AS
WITH u AS (
    SELECT
        *,
        -- A JSON value as itself, or the JSON a text holds (a CSV export's cell): stage 15
        -- writes JSON values minified, so the first character tells a text from the rest and
        -- only texts are parsed here (plan_json_value). A trace download's observation takes
        -- the trace's metadata and tags where it has none.
        coalesce(CASE WHEN prefix(metadata::VARCHAR, '"') THEN plan_json_value(metadata)
                      ELSE metadata END,
                 CASE WHEN prefix(trace.metadata::VARCHAR, '"')
                      THEN plan_json_value(trace.metadata) ELSE trace.metadata END) AS meta,
        coalesce(CASE WHEN prefix(tags::VARCHAR, '"') THEN plan_json_value(tags) ELSE tags END,
                 CASE WHEN prefix(trace.tags::VARCHAR, '"') THEN plan_json_value(trace.tags)
                      ELSE trace.tags END) AS tag_list,
        coalesce(CASE WHEN prefix(usageDetails::VARCHAR, '"') THEN plan_json_value(usageDetails)
                      ELSE usageDetails END,
                 CASE WHEN prefix(usage::VARCHAR, '"') THEN plan_json_value(usage)
                      ELSE usage END) AS ud,
        CASE WHEN prefix("input"::VARCHAR, '"') THEN plan_json_value("input")
             ELSE "input" END AS inp,
        CASE WHEN prefix("output"::VARCHAR, '"') THEN plan_json_value("output")
             ELSE "output" END AS outp
    FROM stage
),
k AS (
    -- the usage keys (of every Langfuse version) and the metadata plan reads, parsed once
    SELECT
        *,
        json_transform(ud, '{"input": "VARCHAR", "promptTokens": "VARCHAR",
            "prompt_tokens": "VARCHAR", "input_cached_tokens": "VARCHAR",
            "cache_read_input_tokens": "VARCHAR", "input_cache_read": "VARCHAR",
            "cache_creation_input_tokens": "VARCHAR", "input_cache_creation": "VARCHAR",
            "output": "VARCHAR", "completionTokens": "VARCHAR", "completion_tokens": "VARCHAR",
            "output_reasoning_tokens": "VARCHAR", "output_reasoning": "VARCHAR",
            "completion_details.reasoning": "VARCHAR"}') AS n,
        json_transform(meta, '{"workload": "VARCHAR", "task_type": "VARCHAR",
            "team": "VARCHAR"}') AS m,
        CASE WHEN prefix(outp::VARCHAR, '{') THEN json_transform(outp,
            '{"content": "VARCHAR", "text": "VARCHAR", "tool_calls": "JSON"}') END AS o
    FROM u
),
c AS (
    SELECT
        *,
        coalesce(n."input", n.promptTokens, n.prompt_tokens) AS in_base,
        coalesce(n.input_cached_tokens, n.cache_read_input_tokens, n.input_cache_read) AS in_read,
        coalesce(n.cache_creation_input_tokens, n.input_cache_creation) AS in_write,
        coalesce(n."output", n.completionTokens, n.completion_tokens) AS out_base,
        coalesce(n.output_reasoning_tokens, n.output_reasoning,
                 n."completion_details.reasoning") AS out_reasoning,
        CASE WHEN prefix(inp::VARCHAR, '[')
            THEN json_transform(inp, getvariable('plan_messages_spec')) END AS msgs
    FROM k
)
SELECT
    line_no,
    coalesce(line_problem, CASE WHEN upper("type") <> 'GENERATION'
        THEN 'not a generation observation (type ' || "type" || ')' END) AS line_problem,
    CASE WHEN line_problem IS NULL AND upper("type") <> 'GENERATION'
        THEN left(record, 120) ELSE excerpt END                     AS excerpt,
    id                                                              AS request_id,
    startTime                                                       AS ts_raw,
    NULL::VARCHAR                                                   AS workload_field,
    coalesce(m.workload,
        regexp_extract(list_filter(json_extract_string(tag_list, '$[*]'),
            lambda t: starts_with(t, 'workload:'))[1], '^workload:(.*)$', 1),
        name)                                                       AS workload_tag,
    model,
    plan_sum_counts(in_base, in_write, in_read)                     AS input_raw,
    plan_sum_counts(out_base, out_reasoning, NULL)                  AS output_raw,
    in_read                                                         AS cached_raw,
    in_write                                                        AS cache_write_raw,
    NULL::VARCHAR                                                   AS cache_write_1h_raw,
    out_reasoning                                                   AS reasoning_raw,
    m.task_type                                                      AS task_type,
    m.team                                                         AS team,
    CAST(plan_has_images(msgs) AS VARCHAR)                          AS images_raw,
    CAST(coalesce(json_array_length(o.tool_calls), 0) AS VARCHAR)  AS tool_calls_raw,
    NULL::BOOLEAN                                                   AS defines_tools,
    plan_has_audio(msgs) AS has_audio, plan_has_files(msgs) AS has_files,
    NULL::INTEGER AS tool_defs, plan_user_turns(msgs) AS turns,
    NULL::VARCHAR AS computer_tool,
    plan_system_text(msgs)                                          AS system_prompt,
    coalesce(plan_prompt_text(msgs),
             CASE WHEN prefix(inp::VARCHAR, '"') THEN inp ->> '$' END) AS prompt,
    CASE WHEN prefix(outp::VARCHAR, '"') THEN outp ->> '$'
         ELSE coalesce(o."content", o."text") END                   AS response,
    coalesce(len(msgs), 0)                                          AS n_messages,
    CASE WHEN upper(level) = 'ERROR'
        THEN 'level ERROR' || coalesce(': ' || left(statusMessage, 200), '') END AS failure,
    coalesce(calculatedTotalCost, totalCost,
             plan_json_value(costDetails) ->> '$.total')            AS logged_cost_raw,
    NULL::VARCHAR                                                   AS service_tier,
    NULL::VARCHAR                                                   AS custom_id
FROM c
