-- Stage 13 (OpenTelemetry GenAI spans, split into records by 14_split_otel.sql): attributes are
-- [{key, value: {stringValue | intValue | doubleValue | boolValue}}] (OTLP/JSON writes 64-bit
-- integers as strings). gen_ai.usage.input_tokens includes cached tokens (the semantic
-- conventions); the older gen_ai.usage.prompt_tokens / completion_tokens are read too. The span
-- start is the timestamp; the resource's service.name is the workload's fallback tag. A span with
-- status ERROR is a failed request.
CREATE OR REPLACE TEMP VIEW norm AS
WITH a AS (
    SELECT
        *,
        map_from_entries(list_transform(span.attributes, lambda x: {'k': x.key, 'v': coalesce(
            x.value.stringValue, x.value.intValue, x.value.doubleValue, x.value.boolValue)}))
            AS attr,
        map_from_entries(list_transform(resource, lambda x: {'k': x.key, 'v': coalesce(
            x.value.stringValue, x.value.intValue, x.value.doubleValue, x.value.boolValue)}))
            AS res
    FROM stage
),
c AS (
    SELECT
        *,
        coalesce(attr['gen_ai.usage.input_tokens'], attr['gen_ai.usage.prompt_tokens']) AS given,
        coalesce(attr['gen_ai.usage.output_tokens'], attr['gen_ai.usage.completion_tokens'])
            AS output,
        -- (older spellings: OpenLLMetry's before its 2026 migration,
        -- gen_ai.usage.cache_read_input_tokens and cache_creation_input_tokens, its input count
        -- including both; Strands Agents' cache_read_input_tokens / cache_write_input_tokens;
        -- pydantic-ai / Logfire's gen_ai.usage.details.cache_read_tokens / cache_write_tokens /
        -- reasoning_tokens)
        coalesce(attr['gen_ai.usage.cache_read.input_tokens'],
                 attr['gen_ai.usage.cache_read_input_tokens'],
                 attr['gen_ai.usage.details.cache_read_tokens'])     AS reads,
        coalesce(attr['gen_ai.usage.cache_creation.input_tokens'],
                 attr['gen_ai.usage.cache_creation_input_tokens'],
                 attr['gen_ai.usage.cache_write_input_tokens'],
                 attr['gen_ai.usage.details.cache_write_tokens'])    AS writes
    FROM a
)
SELECT
    line_no,
    line_problem,
    excerpt,
    coalesce(attr['gen_ai.response.id'], span.spanId)               AS request_id,
    CASE WHEN TRY_CAST(span.startTimeUnixNano AS HUGEINT) IS NOT NULL
        THEN CAST(TRY_CAST(span.startTimeUnixNano AS HUGEINT) / 1e9 AS VARCHAR)
        ELSE span.startTimeUnixNano END                             AS ts_raw,
    NULL::VARCHAR                                                   AS workload_field,
    coalesce(attr['workload'], res['service.name'])                 AS workload_tag,
    coalesce(attr['gen_ai.response.model'], attr['gen_ai.request.model']) AS model,
    -- The input count includes the cache reads and writes (the conventions); an instrumentation
    -- that passes on a provider's uncached remainder (Strands Agents: Bedrock's and Anthropic's
    -- inputTokens) shows it by reads and writes above it, or by a total_tokens of input +
    -- output + reads + writes (Bedrock's totalTokens): then they are added back.
    CASE WHEN TRY_CAST(coalesce(reads, '0') AS DOUBLE) + TRY_CAST(coalesce(writes, '0') AS DOUBLE)
                > 0
            AND (TRY_CAST(coalesce(reads, '0') AS DOUBLE)
                    + TRY_CAST(coalesce(writes, '0') AS DOUBLE) > TRY_CAST(given AS DOUBLE)
                OR TRY_CAST(attr['gen_ai.usage.total_tokens'] AS DOUBLE)
                    = TRY_CAST(given AS DOUBLE) + TRY_CAST(output AS DOUBLE)
                    + TRY_CAST(coalesce(reads, '0') AS DOUBLE)
                    + TRY_CAST(coalesce(writes, '0') AS DOUBLE))
        THEN plan_sum_counts(given, reads, writes)
        ELSE given END                                              AS input_raw,
    output                                                          AS output_raw,
    reads                                                           AS cached_raw,
    writes                                                          AS cache_write_raw,
    NULL::VARCHAR                                                   AS cache_write_1h_raw,
    coalesce(attr['gen_ai.usage.reasoning.output_tokens'], attr['gen_ai.usage.reasoning_tokens'],
             attr['llm.usage.reasoning_tokens'],
             attr['gen_ai.usage.details.reasoning_tokens'])          AS reasoning_raw,
    attr['gen_ai.operation.name']                                   AS task_type,
    res['team']                                                     AS team,
    NULL::VARCHAR                                                   AS images_raw,
    NULL::VARCHAR                                                   AS tool_calls_raw,
    NULL::BOOLEAN                                                   AS defines_tools,
    NULL::BOOLEAN AS has_audio, NULL::BOOLEAN AS has_files, NULL::INTEGER AS tool_defs,
    NULL::INTEGER AS turns, NULL::VARCHAR AS computer_tool,
    NULL::VARCHAR                                                   AS system_prompt,
    NULL::VARCHAR                                                   AS prompt,
    NULL::VARCHAR                                                   AS response,
    0                                                               AS n_messages,
    CASE WHEN span.status.code IN ('2', 'STATUS_CODE_ERROR')
        THEN 'span status ERROR' || coalesce(': ' || span.status.message, '') END AS failure,
    NULL::VARCHAR                                                   AS logged_cost_raw,
    NULL::VARCHAR                                                   AS service_tier,
    NULL::VARCHAR                                                   AS custom_id,
    NULL::VARCHAR                                                   AS web_search_raw,
    NULL::VARCHAR AS usage_total_raw,  -- (a logged usage total: Langfuse's, stage 19)
    NULL::VARCHAR AS upstream_cost_raw  -- (the inference part of a logged cost: stage 12)
FROM c
