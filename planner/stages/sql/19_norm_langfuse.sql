-- Stage 19 (Langfuse generation observations, exported as JSON or CSV): id, startTime, model,
-- (the blob storage export: start_time, provided_model_name, usage_details, cost_details),
-- usageDetails (or the older usage {input, output, total} / {promptTokens, completionTokens}),
-- metadata, tags, input, output, level, statusMessage, calculatedTotalCost (current versions:
-- totalCost, costDetails.total); EMBEDDING observations too (input only: an embedding's
-- output is 0 when its usage has no output part). Also those of a trace download
-- (14_split_langfuse.sql).
-- Langfuse's usageDetails split a call's tokens into disjoint parts, one key each, whose sum is
-- the total: `input` is what is left of the prompt once its details are taken out, and each
-- detail is a key of its own (the server flattens OpenAI's prompt_tokens_details into input_*
-- and completion_tokens_details into output_* keys, the LangChain integration input / output
-- token details likewise and Vertex AI's modality counts into input_modality_*,
-- output_modality_* and cached_modality_*; SDK users write their own, as
-- cache_read_input_tokens). Langfuse itself counts every key naming `input` as input and every
-- key naming `output` as output. So plan sums the parts, by the key's name (lower case):
--   ignored      total, unit, *cost*, *priority* (LangChain's priority-tier counts repeat
--                the others: Langfuse does not take them out of `input`)
--   breakdowns   prompt_details.*, completion_details.* name neither input nor output, and
--                Langfuse adds them to neither: they are parts of the input or output given
--                beside them (a real Gemini trace: output 2055 = 951 candidates + 1104 in
--                completion_details.reasoning), so they are read as the reasoning or cache
--                reads within, never added
--   reasoning    *reasoning* (part of output)
--   cache reads  *cache_read*, *cached* (part of input; Vertex's cached_modality_*)
--   cache writes *cache_creation*, *cache_write* (part of input); else the sum of
--                *ephemeral* (LangChain's Anthropic 5-minute and 1-hour writes: older
--                versions give them beside cache_creation, newer with it set to 0), whose
--                *ephemeral_1h* are the 1-hour writes
--   input        any other key naming input or prompt (input_audio_tokens, input_modality_*)
--   output       any other key naming output or completion (output_audio_tokens, ...)
--   searches     web searches, not tokens (migration 016): keys naming web_search or
--                websearch (web_search_requests, Anthropic's name; Langfuse's own price
--                keys web_search_queries / webSearchQueries) or grounding queries
--                (grounding_queries / groundingQueries: Gemini's grounding with Google
--                Search), and no token; their sum is the request's web_search_requests
--                (NULL where no such key is logged: the observation cannot say)
-- A key that is none of these with a count other than 0 rejects the line with its name (its
-- tokens would otherwise be dropped unseen); a part that is not a count rejects it as any bad
-- count does. An observation with no usage parts takes Langfuse's own sums, inputUsage and
-- outputUsage, where either is above 0 (0 is also what Langfuse shows for no usage at all);
-- one whose parts give input but no output, and that has no output, produced none (Langfuse's
-- outputUsage 0: BeeAI's generations log {input, total}).
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
                 CASE WHEN prefix(usage_details::VARCHAR, '"')
                      THEN plan_json_value(usage_details) ELSE usage_details END,
                 CASE WHEN prefix(usage::VARCHAR, '"') THEN plan_json_value(usage)
                      ELSE usage END) AS ud,
        -- (input and output as JSON text are parsed; a plain text stays the string it is)
        CASE WHEN prefix("input"::VARCHAR, '"')
             THEN coalesce(plan_json_value("input"), "input") ELSE "input" END AS inp,
        CASE WHEN prefix("output"::VARCHAR, '"')
             THEN coalesce(plan_json_value("output"), "output") ELSE "output" END AS outp
    FROM stage
),
uk AS (
    -- A usage of only the keys most observations have, each once and written exactly so (the
    -- nine names the first tests of `s` below class as input, output, cache read or total),
    -- is read as a structure, `known`: a map of every key cost ten times as much (0.2 s of
    -- 200k lines). (Each known key one bit: their sum tells another key, or one twice.)
    SELECT
        *,
        CASE WHEN bit_count(key_bits) = len(ukeys) AND key_bits < 512
            THEN json_transform(ud, '{"input": "VARCHAR", "input_tokens": "VARCHAR",
                "prompt_tokens": "VARCHAR", "output": "VARCHAR", "output_tokens": "VARCHAR",
                "completion_tokens": "VARCHAR", "input_cached_tokens": "VARCHAR",
                "cache_read_input_tokens": "VARCHAR", "total": "VARCHAR"}') END AS known
    FROM (
        SELECT
            *,
            CAST(coalesce(list_sum(list_transform(ukeys, lambda x: CASE x WHEN 'input' THEN 1
                WHEN 'input_tokens' THEN 2 WHEN 'prompt_tokens' THEN 4 WHEN 'output' THEN 8
                WHEN 'output_tokens' THEN 16 WHEN 'completion_tokens' THEN 32
                WHEN 'input_cached_tokens' THEN 64 WHEN 'cache_read_input_tokens' THEN 128
                WHEN 'total' THEN 256 ELSE 512 END)), 0) AS BIGINT) AS key_bits
        FROM (SELECT *, json_keys(ud) AS ukeys FROM u)
    )
),
uf AS (
    -- the known parts' counts, and whether each (but the total) is a count: else, or with
    -- another key, every part is read from a map below, as before
    SELECT
        *,
        known IS NOT NULL AND plan_count_problem(known."input", f_in, 1e9) IS NULL
            AND plan_count_problem(known.input_tokens, f_in2, 1e9) IS NULL
            AND plan_count_problem(known.prompt_tokens, f_in3, 1e9) IS NULL
            AND plan_count_problem(known."output", f_out, 1e9) IS NULL
            AND plan_count_problem(known.output_tokens, f_out2, 1e9) IS NULL
            AND plan_count_problem(known.completion_tokens, f_out3, 1e9) IS NULL
            AND plan_count_problem(known.input_cached_tokens, f_read, 1e9) IS NULL
            AND plan_count_problem(known.cache_read_input_tokens, f_read2, 1e9) IS NULL
            AS fast
    FROM (
        SELECT
            *,
            TRY_CAST(known."input" AS DOUBLE) AS f_in,
            TRY_CAST(known.input_tokens AS DOUBLE) AS f_in2,
            TRY_CAST(known.prompt_tokens AS DOUBLE) AS f_in3,
            TRY_CAST(known."output" AS DOUBLE) AS f_out,
            TRY_CAST(known.output_tokens AS DOUBLE) AS f_out2,
            TRY_CAST(known.completion_tokens AS DOUBLE) AS f_out3,
            TRY_CAST(known.input_cached_tokens AS DOUBLE) AS f_read,
            TRY_CAST(known.cache_read_input_tokens AS DOUBLE) AS f_read2
        FROM uk
    )
),
k AS (
    -- the usage parts (each key's name lower-cased once), the metadata plan reads and the
    -- output, each parsed once
    SELECT
        *,
        CASE WHEN NOT fast THEN list_transform(map_entries(json_transform(ud,
            '"MAP(VARCHAR, VARCHAR)"')), lambda e: {'l': lower(e.key), 'k': e.key,
            'v': e.value, 'n': TRY_CAST(e.value AS DOUBLE)}) END AS entries,
        json_transform(meta, '{"workload": "VARCHAR", "task_type": "VARCHAR",
            "team": "VARCHAR"}') AS m,
        CASE WHEN prefix(outp::VARCHAR, '{') THEN json_transform(outp,
            '{"content": "VARCHAR", "text": "VARCHAR", "tool_calls": "JSON"}') END AS o
    FROM uf
),
s AS (
    SELECT
        *,
        -- each part's kind; `bad` when it is not a count (stage 20 rejects the line with it)
        list_transform(entries, lambda e: {'c': CASE
                -- the keys most observations have, as the tests below class them (one
                -- comparison each instead of a dozen patterns)
                WHEN e.l IN ('input', 'input_tokens', 'prompt_tokens') THEN 'input'
                WHEN e.l IN ('output', 'output_tokens', 'completion_tokens') THEN 'output'
                WHEN e.l IN ('input_cached_tokens', 'cache_read_input_tokens') THEN 'read'
                WHEN e.l IN ('total', 'unit') OR e.l LIKE '%cost%' OR e.l LIKE '%priority%'
                    THEN 'skip'
                WHEN starts_with(e.l, 'prompt_details.')
                     OR starts_with(e.l, 'completion_details.') THEN CASE
                    WHEN e.l LIKE '%reasoning%' THEN 'detail_reasoning'
                    WHEN e.l LIKE '%cache%' THEN 'detail_read' ELSE 'skip' END
                WHEN (e.l LIKE '%web_search%' OR e.l LIKE '%websearch%'
                      OR e.l LIKE '%grounding_quer%' OR e.l LIKE '%groundingquer%')
                     AND e.l NOT LIKE '%token%' THEN 'search'
                WHEN e.l LIKE '%reasoning%' THEN 'reasoning'
                WHEN e.l LIKE '%cache_read%' OR e.l LIKE '%cached%' THEN 'read'
                WHEN e.l LIKE '%ephemeral_1h%' THEN 'ephemeral_1h'
                WHEN e.l LIKE '%ephemeral%' THEN 'ephemeral'
                WHEN e.l LIKE '%cache_creation%' OR e.l LIKE '%cache_write%' THEN 'write'
                WHEN e.l LIKE '%input%' OR e.l LIKE '%prompt%' THEN 'input'
                WHEN e.l LIKE '%output%' OR e.l LIKE '%completion%' THEN 'output'
                WHEN e.v IS NULL OR e.n = 0 THEN 'skip'
                ELSE 'unknown' END,
            'k': e.k, 'v': e.v, 'n': e.n,
            'bad': plan_count_problem(e.v, e.n, 1e9) IS NOT NULL}) AS parts,
        -- (each message's role and content, all this stage reads of it: the messages
        -- structure of the API stages, with type and tool_calls, cost 0.06 s more of 200k lines)
        CASE WHEN prefix(inp::VARCHAR, '[')
            THEN json_transform(inp, '[{"role": "VARCHAR", "content": "VARCHAR"}]') END AS msgs
    FROM k
),
mp AS (
    -- whether some message's content is a list of parts: only then are images, audio and
    -- files looked for (plan_has_parts: one pass instead of three over every chat)
    SELECT *, plan_has_parts(msgs) AS has_parts FROM s
),
g AS (
    SELECT
        *,
        -- (flat sums, one kind each: a lambda inside a lambda costs a list per row)
        -- (the known parts: NULL where none is logged, as list_sum gives it)
        CASE WHEN fast THEN list_sum([f_in, f_in2, f_in3])
            ELSE list_sum(list_transform(parts, lambda p: CASE WHEN p.c = 'input' THEN p.n END))
            END AS n_in,
        CASE WHEN fast THEN list_sum([f_read, f_read2])
            ELSE list_sum(list_transform(parts, lambda p: CASE WHEN p.c = 'read' THEN p.n END))
            END AS n_read,
        list_sum(list_transform(parts, lambda p: CASE WHEN p.c = 'write' THEN p.n END))
            AS n_write,
        list_sum(list_transform(parts, lambda p: CASE WHEN p.c IN ('ephemeral',
            'ephemeral_1h') THEN p.n END)) AS n_ephemeral,
        list_sum(list_transform(parts, lambda p: CASE WHEN p.c = 'ephemeral_1h' THEN p.n END))
            AS n_1h,
        CASE WHEN fast THEN list_sum([f_out, f_out2, f_out3])
            ELSE list_sum(list_transform(parts, lambda p: CASE WHEN p.c = 'output' THEN p.n END))
            END AS n_out,
        list_sum(list_transform(parts, lambda p: CASE WHEN p.c = 'reasoning' THEN p.n END))
            AS n_reasoning,
        list_sum(list_transform(parts, lambda p: CASE WHEN p.c = 'detail_reasoning' THEN p.n
            END)) AS n_detail_reasoning,
        list_sum(list_transform(parts, lambda p: CASE WHEN p.c = 'detail_read' THEN p.n END))
            AS n_detail_read,
        list_sum(list_transform(parts, lambda p: CASE WHEN p.c = 'search' THEN p.n END))
            AS n_search,
        -- the first part that is not a count, and the first of an unknown kind
        list_filter(parts, lambda p: p.bad AND p.c NOT IN ('skip', 'unknown'))[1] AS bad,
        list_filter(parts, lambda p: p.c = 'unknown')[1] AS unknown_part
    FROM mp
),
c AS (
    SELECT
        *,
        -- the cache writes: cache_creation's, or (LangChain's Anthropic counts, which give
        -- the 5-minute and 1-hour writes beside it, newer versions with cache_creation 0)
        -- the ephemeral ones'
        CASE WHEN coalesce(n_write, 0) > 0 THEN n_write ELSE n_ephemeral END AS n_writes,
        bad.c IN ('input', 'read', 'write', 'ephemeral', 'ephemeral_1h', 'detail_read')
            AS bad_in,
        bad.c IN ('output', 'reasoning', 'detail_reasoning') AS bad_out,
        -- no parts: Langfuse's own sums, where they say something
        CASE WHEN coalesce(len(entries), CASE WHEN fast THEN len(ukeys) END, 0) = 0
                  AND (TRY_CAST(inputUsage AS DOUBLE) > 0
                  OR TRY_CAST(outputUsage AS DOUBLE) > 0) THEN true ELSE false END AS sums_only
    FROM g
)
SELECT
    line_no,
    coalesce(line_problem, CASE WHEN upper("type") NOT IN ('GENERATION', 'EMBEDDING')
        THEN 'not a generation or embedding observation (type ' || "type" || ')'
        WHEN unknown_part IS NOT NULL AND upper(coalesce(level, '')) <> 'ERROR'
        THEN 'usage key ''' || left(unknown_part.k, 60) || ''' (' || left(unknown_part.v, 20)
            || ') is neither input nor output: its tokens cannot be priced' END) AS line_problem,
    CASE WHEN line_problem IS NULL AND (upper("type") NOT IN ('GENERATION', 'EMBEDDING')
            OR (unknown_part IS NOT NULL AND upper(coalesce(level, '')) <> 'ERROR'))
        -- (a trace download's observation, parsed with its line, has no text of its own)
        THEN left(coalesce(record, 'observation ' || coalesce(id, '?')), 120) ELSE excerpt END
                                                                    AS excerpt,
    id                                                              AS request_id,
    coalesce(startTime, start_time)                                 AS ts_raw,
    NULL::VARCHAR                                                   AS workload_field,
    coalesce(m.workload,
        regexp_extract(list_filter(json_extract_string(tag_list, '$[*]'),
            lambda t: starts_with(t, 'workload:'))[1], '^workload:(.*)$', 1),
        name)                                                       AS workload_tag,
    coalesce(model, provided_model_name)                            AS model,
    CASE WHEN bad_in THEN bad.v
        WHEN coalesce(n_in, n_read, n_writes) IS NOT NULL THEN CAST(coalesce(n_in, 0)
            + coalesce(n_read, 0) + coalesce(n_writes, 0) AS VARCHAR)
        WHEN sums_only THEN inputUsage END                          AS input_raw,
    CASE WHEN bad_out THEN bad.v
        WHEN coalesce(n_out, n_reasoning) IS NOT NULL
        THEN CAST(coalesce(n_out, 0) + coalesce(n_reasoning, 0) AS VARCHAR)
        WHEN sums_only THEN outputUsage
        -- (an embedding's output is 0; so is a generation's that logged input and no output)
        WHEN coalesce(n_in, n_read, n_writes) IS NOT NULL AND (upper("type") = 'EMBEDDING'
            OR outp IS NULL OR outp::VARCHAR IN ('null', '""', '{}', '[]'))
        THEN '0' END                                                AS output_raw,
    CAST(coalesce(n_read, n_detail_read) AS VARCHAR)                AS cached_raw,
    CAST(n_writes AS VARCHAR)                                       AS cache_write_raw,
    CAST(n_1h AS VARCHAR)                                           AS cache_write_1h_raw,
    CAST(coalesce(n_reasoning, n_detail_reasoning) AS VARCHAR)      AS reasoning_raw,
    m.task_type                                                      AS task_type,
    m.team                                                         AS team,
    CAST(CASE WHEN has_parts THEN plan_has_images(msgs) ELSE false END AS VARCHAR)
                                                                    AS images_raw,
    CAST(coalesce(json_array_length(o.tool_calls), 0) AS VARCHAR)  AS tool_calls_raw,
    NULL::BOOLEAN                                                   AS defines_tools,
    CASE WHEN has_parts THEN plan_has_audio(msgs) ELSE false END    AS has_audio,
    CASE WHEN has_parts THEN plan_has_files(msgs) ELSE false END    AS has_files,
    NULL::INTEGER AS tool_defs, plan_user_turns(msgs) AS turns,
    NULL::VARCHAR AS computer_tool,
    plan_system_text(msgs)                                          AS system_prompt,
    coalesce(plan_prompt_text(msgs),
             CASE WHEN prefix(inp::VARCHAR, '"') THEN inp ->> '$' END) AS prompt,
    CASE WHEN prefix(outp::VARCHAR, '"') THEN outp ->> '$'
         ELSE coalesce(o."content", o."text") END                   AS response,
    coalesce(len(msgs), 0)                                          AS n_messages,
    CASE WHEN upper(level) = 'ERROR'
        THEN 'level ERROR' || coalesce(': ' || left(coalesce(statusMessage, status_message), 200), '') END AS failure,
    coalesce(calculatedTotalCost, totalCost, total_cost,
             plan_json_value(coalesce(costDetails, cost_details)) ->> '$.total')
                                                                    AS logged_cost_raw,
    NULL::VARCHAR                                                   AS service_tier,
    NULL::VARCHAR                                                   AS custom_id,
    CASE WHEN bad.c = 'search' THEN bad.v ELSE CAST(n_search AS VARCHAR) END AS web_search_raw,
    -- the usage total, where logged: stage 20 keeps what it gives beyond the parts
    -- (migration 018; a Vertex AI trace's total counts thinking no part names)
    CASE WHEN fast THEN known.total
         ELSE list_filter(entries, lambda e: e.l = 'total')[1].v END  AS usage_total_raw,
    NULL::VARCHAR                                                   AS upstream_cost_raw
FROM c
