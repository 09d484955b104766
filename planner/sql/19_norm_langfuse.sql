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
        plan_json_value(metadata) AS meta,
        plan_json_value(tags) AS tag_list,
        coalesce(plan_json_value(usageDetails), plan_json_value(usage)) AS ud,
        plan_json_value("input") AS inp,
        plan_json_value("output") AS outp
    FROM stage
),
c AS (
    SELECT
        *,
        coalesce(ud ->> '$.input', ud ->> '$.promptTokens', ud ->> '$.prompt_tokens') AS in_base,
        coalesce(ud ->> '$.input_cached_tokens', ud ->> '$.cache_read_input_tokens',
                 ud ->> '$.input_cache_read') AS in_read,
        coalesce(ud ->> '$.cache_creation_input_tokens', ud ->> '$.input_cache_creation')
            AS in_write,
        coalesce(ud ->> '$.output', ud ->> '$.completionTokens', ud ->> '$.completion_tokens')
            AS out_base,
        coalesce(ud ->> '$.output_reasoning_tokens', ud ->> '$.output_reasoning',
                 ud ->> '$."completion_details.reasoning"') AS out_reasoning,
        CASE WHEN json_type(inp) = 'ARRAY'
            THEN json_transform(inp, getvariable('plan_messages_spec')) END AS msgs
    FROM u
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
    coalesce(meta ->> '$.workload',
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
    meta ->> '$.task_type'                                          AS task_type,
    meta ->> '$.team'                                               AS team,
    CAST(plan_has_images(msgs) AS VARCHAR)                          AS images_raw,
    CAST(coalesce(len(json_extract(outp, '$.tool_calls[*]')), 0) AS VARCHAR) AS tool_calls_raw,
    NULL::BOOLEAN                                                   AS defines_tools,
    plan_system_text(msgs)                                          AS system_prompt,
    coalesce(plan_prompt_text(msgs),
             CASE WHEN json_type(inp) = 'VARCHAR' THEN inp ->> '$' END) AS prompt,
    CASE json_type(outp)
        WHEN 'VARCHAR' THEN outp ->> '$'
        WHEN 'OBJECT' THEN coalesce(outp ->> '$.content', outp ->> '$.text')
    END                                                             AS response,
    coalesce(len(msgs), 0)                                          AS n_messages,
    CASE WHEN upper(level) = 'ERROR'
        THEN 'level ERROR' || coalesce(': ' || left(statusMessage, 200), '') END AS failure,
    coalesce(calculatedTotalCost, totalCost,
             plan_json_value(costDetails) ->> '$.total')            AS logged_cost_raw,
    NULL::VARCHAR                                                   AS service_tier,
    NULL::VARCHAR                                                   AS custom_id
FROM c
