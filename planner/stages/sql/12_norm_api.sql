-- Stage 12: API calls (a request body `req` and a response body `resp`, parsed by stage 15 into
-- the structures of planner/stages/sources.py, however stage 13 unwrapped them from the log) onto the
-- columns every source shares. The response tells the API apart, row by row:
--   chat        OpenAI Chat Completions: usage.prompt_tokens includes cached_tokens,
--               completion_tokens includes reasoning_tokens (plan's own accounting); also
--               OpenRouter's: prompt_tokens_details.cache_write_tokens, usage.cost (charged)
--   embeddings  OpenAI embeddings (object 'list'): input only, no output
--   responses   OpenAI Responses (object 'response'): usage.input_tokens includes
--               input_tokens_details.cached_tokens; output_tokens includes reasoning
--   anthropic   Anthropic Messages (type 'message'): usage.input_tokens EXCLUDES
--               cache_creation_input_tokens and cache_read_input_tokens, added back here
--   gemini      Gemini / Vertex AI generateContent (usageMetadata): promptTokenCount includes
--               cachedContentTokenCount; output = candidatesTokenCount + thoughtsTokenCount
--   converse    AWS Bedrock Converse (and Nova InvokeModel): usage.inputTokens EXCLUDES
--               cacheReadInputTokens and cacheWriteInputTokens, added back here
--   cohere      Cohere v2 chat: usage.billed_units (what Cohere bills)
--   llama       Bedrock InvokeModel, Meta Llama body: prompt_token_count, generation_token_count
--   titan       Bedrock InvokeModel, Amazon Titan text body: inputTextTokenCount, results[]
--   complete    Anthropic's legacy Text Completions (/v1/complete: type 'completion' with a
--               model): no usage; both counts are counted from the prompt and completion text
--               (stage 20, approximate); its stream's too (`completion` events, the text
--               deltas joined). Bedrock's Claude v2 bodies (no model) count nothing and are read
--               from their response headers, or rejected.
-- A streamed response (`raw_resp`: SSE text, or a JSON array of chunks) is read from its
-- events: OpenAI's last chunk with usage (Groq's: `x_groq.usage`); Anthropic's message_start
-- usage updated by its last message_delta (which carries the output count); the OpenAI
-- Responses stream's response.completed `response.usage`; Cohere v2's message-end
-- `delta.usage`; a Bedrock event stream's (as a list of its events: ConverseStream, or
-- InvokeModelWithResponseStream's decoded chunks) `metadata.usage` or last
-- `amazon-bedrock-invocationMetrics` (inputTokenCount excludes the cache counts, as Converse's
-- inputTokens does); the text deltas joined.
CREATE OR REPLACE TEMP VIEW norm AS
WITH s AS (
    SELECT
        *,
        CASE json_type(raw_resp)
            WHEN 'VARCHAR' THEN CASE
                -- a stream kept as JSON lines (Cohere v1), not as server-sent events
                WHEN prefix(raw_resp ->> '$', '{') THEN list_transform(
                    list_filter(string_split(raw_resp ->> '$', E'\n'),
                                lambda l: prefix(l, '{') AND json_valid(l)),
                    lambda l: CAST(l AS JSON))
                ELSE plan_sse_events(json_extract_string(raw_resp, '$')) END
            WHEN 'ARRAY' THEN CAST(raw_resp AS JSON[])
        END AS events
    FROM calls
),
k AS (
    SELECT
        *,
        list_filter(events, lambda e:
            json_extract_string(e, '$.type') = 'message_start')[1] AS start_event
    FROM s
),
o AS (
    SELECT
        *,
        -- for a stream: the message it opens (Anthropic message_start), or its first chunk
        -- (Azure OpenAI's stream opens with its prompt filter results, a chunk with an empty
        -- id, model and a `created` of 0: the chunk after it)
        coalesce(json_extract(start_event, '$.message'),
                 CASE WHEN events[1] ->> '$.id' = '' AND len(events) > 1
                     THEN events[2] ELSE events[1] END) AS opening
    FROM k
),
u AS (
    SELECT
        *,
        CASE
            WHEN events IS NULL THEN CASE
                WHEN resp.type = 'message' THEN 'anthropic'
                -- (a /responses/compact result is a 'response.compaction', billed alike)
                WHEN resp.object IN ('response', 'response.compaction') THEN 'responses'
                WHEN resp.object = 'list' THEN 'embeddings'
                WHEN resp.usageMetadata IS NOT NULL OR resp.candidates IS NOT NULL
                    OR resp.promptFeedback IS NOT NULL OR resp.object = 'interaction'
                    THEN 'gemini'
                WHEN resp.usage.billed_units IS NOT NULL OR resp.meta.billed_units IS NOT NULL
                    THEN 'cohere'
                WHEN resp.usage.inputTokens IS NOT NULL THEN 'converse'
                WHEN resp.prompt_token_count IS NOT NULL THEN 'llama'
                WHEN resp.inputTextTokenCount IS NOT NULL THEN 'titan'
                WHEN resp.type = 'completion' AND resp.model IS NOT NULL THEN 'complete'
                ELSE 'chat' END
            WHEN start_event IS NOT NULL THEN 'anthropic'
            WHEN json_type(json_extract(opening, '$.usageMetadata')) = 'OBJECT'
                OR json_type(json_extract(opening, '$.candidates')) = 'ARRAY'
                OR opening ->> '$.event_type' = 'interaction.created' THEN 'gemini'
            WHEN starts_with(opening ->> '$.type', 'response.') THEN 'responses'
            -- Bedrock's InvokeModelWithResponseStream of Claude v2 / instant: /v1/complete's
            -- completion events, its last carrying Bedrock's counts (amazon-bedrock-
            -- invocationMetrics: the request's, not counted from the text)
            WHEN opening ->> '$.type' = 'completion' AND json_type(json_extract(events[-1],
                '$."amazon-bedrock-invocationMetrics"')) = 'OBJECT' THEN 'converse'
            -- Anthropic's legacy /v1/complete stream: completion events (a ping may come first)
            WHEN opening ->> '$.type' = 'completion' OR (opening ->> '$.type' = 'ping'
                AND events[2] ->> '$.type' = 'completion') THEN 'complete'
            -- (Cohere v1: a chat stream opens with stream-start; a generate stream has none,
            -- it ends with stream-end, as both do)
            WHEN opening ->> '$.type' = 'message-start'
                OR opening ->> '$.event_type' = 'stream-start'
                OR events[-1] ->> '$.event_type' = 'stream-end' THEN 'cohere'
            -- a ConverseStream opens with messageStart (or, cut, a content block)
            WHEN json_type(json_extract(opening, '$.messageStart')) = 'OBJECT'
                OR json_type(json_extract(opening, '$.contentBlockStart')) = 'OBJECT'
                OR json_type(json_extract(opening, '$.contentBlockDelta')) = 'OBJECT'
                OR json_type(json_extract(events[-1], '$."amazon-bedrock-invocationMetrics"'))
                    = 'OBJECT' THEN 'converse'
            ELSE 'chat'
        END AS api,
        CASE
            WHEN events IS NULL THEN coalesce(resp.usage, CASE WHEN resp.usageMetadata IS NOT NULL
                THEN json_transform(resp.usageMetadata, getvariable('plan_usage_spec')) END)
            WHEN start_event IS NOT NULL THEN json_transform(json_merge_patch(
                json_extract(opening, '$.usage'),
                coalesce(json_extract(list_filter(events, lambda e:
                    json_extract_string(e, '$.type') = 'message_delta')[-1], '$.usage'), '{}')),
                getvariable('plan_usage_spec'))
            ELSE json_transform(list_filter(list_transform(events, lambda e: coalesce(
                plan_chunk_usage(e), CASE
                    WHEN json_type(json_extract(e, '$.response.usage')) = 'OBJECT'
                        THEN json_extract(e, '$.response.usage')  -- OpenAI Responses
                    WHEN json_type(json_extract(e, '$.delta.usage')) = 'OBJECT'
                        THEN json_extract(e, '$.delta.usage')  -- Cohere v2
                    WHEN json_type(json_extract(e, '$.interaction.usage')) = 'OBJECT'
                        THEN json_extract(e, '$.interaction.usage')  -- Gemini Interactions
                    WHEN json_type(json_extract(e, '$.response.meta.billed_units')) = 'OBJECT'
                        THEN json_extract(e, '$.response.meta')  -- Cohere v1: stream-end
                    WHEN json_type(json_extract(e, '$.metadata.usage')) = 'OBJECT'
                        THEN json_extract(e, '$.metadata.usage')  -- Bedrock
                    WHEN json_type(json_extract(e, '$."amazon-bedrock-invocationMetrics"'))
                        = 'OBJECT' THEN json_extract(e, '$."amazon-bedrock-invocationMetrics"')
                END)), lambda x: x IS NOT NULL)[-1],
                getvariable('plan_usage_spec'))
        END AS usage,
        -- (a Responses input list of messages; an embeddings input list of strings is not one,
        -- and is the prompt text as it is, on both engines)
        coalesce(req.messages, CASE WHEN prefix(req.input, '[') AND json_valid(req.input)
            THEN CASE WHEN json_type(json_extract(req.input, '$[0]')) = 'OBJECT'
                THEN json_transform(req.input, getvariable('plan_messages_spec')) END END) AS msgs
    FROM o
),
p AS (
    -- Anthropic compaction (and advisor) responses: usage.iterations, summed (plan_passes)
    SELECT *, CASE WHEN json_array_length(usage.iterations) > 0 THEN plan_passes(usage) END
        AS passes,
        -- (image, audio and file parts are looked for only where true: CASE, not AND,
        -- which evaluates both operands)
        plan_has_parts(msgs) AS has_parts
    FROM u
)
SELECT
    line_no,
    -- A Gemini stream logged chunk by chunk: only its last chunk (the one with a finishReason,
    -- as every whole response has) carries the request's usage; the others are not requests.
    coalesce(line_problem, CASE WHEN api = 'gemini' AND events IS NULL
        AND resp.candidates[1].finishReason IS NULL AND len(resp.candidates) > 0
        THEN 'a Gemini stream chunk before the last (the last chunk counts the request)'
        -- what an HTTP recorder keeps of a body that is not text (derive_vcr.py's placeholder)
        -- a rerank (Cohere, Bedrock) bills search units, not tokens: plan has no price for it
        WHEN resp.meta.billed_units.search_units IS NOT NULL
            AND resp.meta.billed_units.input_tokens IS NULL
        THEN 'a rerank call, billed in search units (' || resp.meta.billed_units.search_units
            || '), not tokens: not priced'
        -- (a failed call's body is not read: the call is a failed request whatever it holds)
        WHEN len(events) = 0 AND starts_with(raw_resp ->> '$', '[binary body')
            AND failure IS NULL
        THEN 'a binary response body (an AWS event stream?) recorded as a placeholder, '
            || 'not its events: log the decoded events (a JSON list) instead'
    END)                                                            AS line_problem,
    excerpt,
    coalesce(request_id, resp.id, resp.responseId, opening ->> '$.id',
             opening ->> '$.responseId', opening ->> '$.response.id',
             opening ->> '$.interaction.id') AS request_id,
    CASE
        WHEN ts_raw IS NOT NULL THEN ts_raw
        WHEN api = 'responses' THEN resp.created_at
        WHEN api = 'gemini' THEN coalesce(resp.createTime, opening ->> '$.createTime',
            CASE WHEN resp.object = 'interaction' THEN resp.created END,
            opening ->> '$.interaction.created')
        ELSE coalesce(resp.created, opening ->> '$.created')
    END                                                             AS ts_raw,
    workload_field,
    workload_tag,
    coalesce(resp.model, resp.modelVersion, opening ->> '$.model',
             opening ->> '$.modelVersion', opening ->> '$.response.model',
             opening ->> '$.interaction.model', req.model) AS model,
    CASE api
        WHEN 'anthropic' THEN plan_sum_counts(coalesce(passes.input_tokens, usage.input_tokens),
            coalesce(passes.cache_creation_input_tokens, usage.cache_creation_input_tokens),
            coalesce(passes.cache_read_input_tokens, usage.cache_read_input_tokens))
        WHEN 'responses' THEN usage.input_tokens
        -- Gemini's prompt count includes cached content; tool-use prompts (search results,
        -- code execution) are counted beside it and billed as input
        -- (the Interactions API spells them total_input_tokens, total_tool_use_tokens,
        -- total_cached_tokens, total_output_tokens, total_thought_tokens: the same accounting)
        WHEN 'gemini' THEN plan_sum_counts(coalesce(usage.promptTokenCount,
            usage.total_input_tokens), coalesce(usage.toolUsePromptTokenCount,
            usage.total_tool_use_tokens), NULL)
        WHEN 'converse' THEN plan_sum_counts(coalesce(usage.inputTokens, usage.inputTokenCount),
            coalesce(usage.cacheReadInputTokens, usage.cacheReadInputTokenCount),
            coalesce(usage.cacheWriteInputTokens, usage.cacheWriteInputTokenCount))
        WHEN 'llama' THEN resp.prompt_token_count
        WHEN 'titan' THEN resp.inputTextTokenCount
        -- Cohere bills billed_units (its `tokens` add the prompt template it wraps around)
        WHEN 'cohere' THEN coalesce(usage.billed_units.input_tokens,
                                    resp.meta.billed_units.input_tokens)
        ELSE usage.prompt_tokens
    END                                                             AS input_raw,
    CASE api
        WHEN 'embeddings' THEN coalesce(usage.completion_tokens, '0')
        -- (xAI's completion_tokens exclude its reasoning tokens: plan_chat_output)
        WHEN 'chat' THEN plan_chat_output(usage)
        -- Gemini's candidates count excludes thinking (absent when nothing was generated; the
        -- prompt count may be absent too, when the input is counted from the request's text)
        WHEN 'gemini' THEN CASE
            WHEN coalesce(usage.promptTokenCount, usage.candidatesTokenCount,
                          usage.thoughtsTokenCount) IS NOT NULL THEN plan_sum_counts(
                coalesce(usage.candidatesTokenCount, '0'), usage.thoughtsTokenCount, NULL)
            WHEN usage.total_input_tokens IS NOT NULL THEN plan_sum_counts(
                coalesce(usage.total_output_tokens, '0'), usage.total_thought_tokens, NULL) END
        WHEN 'converse' THEN coalesce(usage.outputTokens, usage.outputTokenCount)
        -- (v1 bodies: meta.billed_units; an embedding bills its input only)
        WHEN 'cohere' THEN coalesce(usage.billed_units.output_tokens,
            resp.meta.billed_units.output_tokens, CASE WHEN resp.response_type IS NOT NULL THEN '0' END)
        WHEN 'llama' THEN resp.generation_token_count
        -- (a Titan embedding has no results: input only)
        WHEN 'titan' THEN CASE WHEN resp.results IS NULL THEN '0'
            ELSE plan_sum_list(json_extract_string(resp.results, '$[*].tokenCount')) END
        WHEN 'anthropic' THEN coalesce(passes.output_tokens, usage.output_tokens)
        ELSE usage.output_tokens
    END                                                             AS output_raw,
    CASE api
        WHEN 'anthropic' THEN coalesce(passes.cache_read_input_tokens, usage.cache_read_input_tokens)
        WHEN 'responses' THEN usage.input_tokens_details.cached_tokens
        WHEN 'gemini' THEN coalesce(usage.cachedContentTokenCount, usage.total_cached_tokens)
        WHEN 'converse' THEN coalesce(usage.cacheReadInputTokens, usage.cacheReadInputTokenCount)
        -- (DeepSeek: prompt_cache_hit_tokens; LiteLLM's Anthropic completions: also the
        -- top-level cache_read_input_tokens)
        ELSE coalesce(usage.prompt_tokens_details.cached_tokens, usage.prompt_cache_hit_tokens,
                      usage.cache_read_input_tokens)
    END                                                             AS cached_raw,
    CASE api
        WHEN 'anthropic' THEN coalesce(passes.cache_creation_input_tokens, usage.cache_creation_input_tokens)
        WHEN 'converse' THEN coalesce(usage.cacheWriteInputTokens, usage.cacheWriteInputTokenCount)
        -- (OpenRouter's write that overlaps the reads: plan_chat_cache_write)
        WHEN 'chat' THEN plan_chat_cache_write(usage)
    END                                                             AS cache_write_raw,
    CASE api WHEN 'anthropic' THEN usage.cache_creation.ephemeral_1h_input_tokens
        -- Bedrock Converse: the writes by TTL, cacheDetails [{ttl, inputTokens}] (1h first)
        WHEN 'converse' THEN plan_converse_1h(usage.cacheDetails)
        WHEN 'chat' THEN plan_chat_cache_write_1h(usage)
    END                                                             AS cache_write_1h_raw,
    CASE api
        WHEN 'responses' THEN usage.output_tokens_details.reasoning_tokens
        WHEN 'anthropic' THEN usage.output_tokens_details.thinking_tokens  -- (within output)
        WHEN 'chat' THEN usage.completion_tokens_details.reasoning_tokens
        WHEN 'gemini' THEN coalesce(usage.thoughtsTokenCount, usage.total_thought_tokens)
    END                                                             AS reasoning_raw,
    task_type,
    team,
    CAST(CASE WHEN has_parts THEN plan_has_images(msgs) ELSE false END
        OR CASE WHEN contains(req.contents, '"image/')
            THEN regexp_matches(req.contents, '"mime_?[tT]ype"\s*:\s*"image/') ELSE false END
    AS VARCHAR)                                                     AS images_raw,
    CAST(
        coalesce(list_sum(list_transform(msgs, lambda m: plan_tool_uses(m.tool_calls, m.content)
                                                + coalesce(m.type = 'function_call', false)::INT)), 0)
        + coalesce(list_sum(list_transform(resp.choices, lambda c:
            coalesce(len(c.message.tool_calls), 0))), 0)
        + coalesce(len(list_filter(resp.output, lambda o: o.type = 'function_call')), 0)
        + coalesce(len(list_filter(resp.content, lambda c: c.type = 'tool_use')), 0)
        + coalesce(json_array_length(resp.message, '$.tool_calls'), 0)  -- Cohere
        + coalesce(len(list_filter(resp.candidates[1].content.parts,
            lambda p: p.functionCall IS NOT NULL)), 0)
    AS VARCHAR)                                                     AS tool_calls_raw,
    coalesce(len(req.tools), 0) > 0                                 AS defines_tools,
    -- audio (or video) and file (PDF, document) parts in the messages or Gemini's contents;
    -- the tool definitions sent (Gemini: its tool groups); the user's turns in the conversation
    CASE WHEN has_parts THEN plan_has_audio(msgs) ELSE false END
        OR coalesce(regexp_matches(req.contents, '"mime_?[tT]ype"\s*:\s*"(audio|video)/'), false)
                                                                    AS has_audio,
    CASE WHEN has_parts THEN plan_has_files(msgs) ELSE false END
        OR coalesce(regexp_matches(req.contents, '"mime_?[tT]ype"\s*:\s*"(application|text)/'),
                    false)                                          AS has_files,
    CAST(len(req.tools) AS INTEGER)                                 AS tool_defs,
    CAST(CASE
        WHEN msgs IS NOT NULL THEN plan_user_turns(msgs)
        -- (CASE, not AND: a contents that is not JSON must not reach the extract)
        WHEN req.contents IS NOT NULL THEN CASE WHEN json_valid(req.contents) THEN greatest(1,
            len(list_filter(json_extract_string(req.contents, '$[*].role'),
                            lambda r: r = 'user'))) ELSE 1 END
        WHEN req.input IS NOT NULL THEN 1
    END AS INTEGER)                                                 AS turns,
    -- the tools it defines that act on a computer (migration 014)
    plan_computer_tools(req.tools)                                  AS computer_tool,
    coalesce(
        plan_system_text(msgs),
        plan_content_text(req.system),
        req.instructions,
        -- (Gemini: a request as sent may spell it system_instruction, as Vertex AI batch
        -- output echoes it)
        plan_gemini_text(coalesce(req.systemInstruction, req.system_instruction)))
                                                                    AS system_prompt,
    coalesce(
        plan_prompt_text(msgs),
        CASE WHEN msgs IS NULL THEN req.input END,
        CASE WHEN api = 'complete' THEN req.prompt END,
        -- (OpenAI's legacy /v1/completions: a prompt, or a list of prompts; token ids not)
        CASE WHEN api = 'chat' AND msgs IS NULL THEN CASE
            WHEN NOT prefix(req.prompt, '[') THEN req.prompt
            WHEN json_valid(req.prompt) AND json_type(req.prompt, '$[0]') = 'VARCHAR'
                THEN array_to_string(json_extract_string(req.prompt, '$[*]'), chr(10)) END END,
        plan_gemini_text(req.contents)
    )                                                               AS prompt,
    nullif(CASE
        WHEN events IS NOT NULL THEN array_to_string(list_transform(events, lambda e: coalesce(
            json_extract_string(e, '$.choices[0].delta.content'),
            json_extract_string(e, '$.choices[0].text'),  -- OpenAI's legacy /v1/completions
            json_extract_string(e, '$.delta.text'),
            json_extract_string(e, '$.candidates[0].content.parts[0].text'),
            CASE WHEN e ->> '$.type' = 'response.output_text.delta' THEN e ->> '$.delta' END,
            CASE WHEN e ->> '$.type' = 'completion' THEN e ->> '$.completion' END,  -- legacy
            json_extract_string(e, '$.delta.message.content.text'),  -- Cohere v2
            json_extract_string(e, '$.contentBlockDelta.delta.text'),  -- Bedrock Converse
            json_extract_string(e, '$.outputText'), json_extract_string(e, '$.generation'),
            CASE WHEN e ->> '$.event_type' = 'text-generation' THEN e ->> '$.text' END)), '')
        WHEN api = 'chat' THEN plan_content_text(resp.choices[1].message.content)
        WHEN api = 'responses' THEN array_to_string(flatten(list_transform(resp.output,
            lambda o: list_transform(o.content, lambda c: c.text))), '')
        WHEN api = 'anthropic' THEN array_to_string(list_transform(
            list_filter(resp.content, lambda c: c.type = 'text'), lambda c: c.text), '')
        WHEN api = 'cohere' THEN array_to_string(
            json_extract_string(resp.message, '$.content[*].text'), '')
        WHEN api = 'llama' THEN resp.generation
        WHEN api = 'complete' THEN resp.completion
        WHEN api = 'titan' THEN array_to_string(
            json_extract_string(resp.results, '$[*].outputText'), '')
        -- (Gemini's reply text is not read: its usage always counts the output)
    END, '')                                                        AS response,
    coalesce(len(msgs), 0)                                          AS n_messages,
    coalesce(failure, CASE WHEN json_type(resp.error) = 'OBJECT'
        THEN 'error: ' || coalesce(json_extract_string(resp.error, '$.message'),
                                   json_extract_string(resp.error, '$.type'), '?')
    END,
    -- Gemini refused the prompt (safety, Model Armor): nothing generated, no tokens counted
    'prompt blocked: ' || coalesce(resp.promptFeedback.blockReason,
                                   opening ->> '$.promptFeedback.blockReason'),
    -- a stream that carries an error chunk (OpenRouter, Groq: the provider failed mid-stream)
    'stream error: ' || json_extract_string(list_filter(events, lambda e:
        json_type(json_extract(e, '$.error')) = 'OBJECT')[-1], '$.error.message'))  AS failure,
    plan_usage_cost(usage.cost, usage.cost_in_usd_ticks, CASE WHEN usage.is_byok = 'true'
        THEN usage.cost_details.upstream_inference_cost END)        AS logged_cost_raw,
    coalesce(service_tier, resp.service_tier)                       AS service_tier,
    custom_id,
    -- server-side web searches, billed per search (migration 016; docs/money.md): Anthropic's
    -- count; OpenAI Responses' web_search_call items (a stream's: those of its last
    -- response.completed / incomplete / failed, or its output_item.done items where the stream
    -- was cut before); an OpenAI search model's chat completion (gpt-4o-search-preview,
    -- gpt-5-search-api: the model searches for every request, one call; OpenRouter's
    -- usage.server_tool_use_details.web_search_requests where it ran some); Gemini's grounding
    -- with Google Search: the candidate's groundingMetadata.webSearchQueries (not empty; none
    -- when no candidate was grounded; an Interactions API object cannot say)
    CASE api WHEN 'anthropic' THEN usage.server_tool_use.web_search_requests
        WHEN 'responses' THEN CAST(CASE WHEN events IS NULL THEN len(list_filter(resp.output,
                lambda o: o.type = 'web_search_call'))
            ELSE greatest(coalesce(len(list_filter(json_extract_string(list_filter(events,
                    lambda e: e ->> '$.type' IN ('response.completed', 'response.incomplete',
                        'response.failed'))[-1], '$.response.output[*].type'),
                    lambda t: t = 'web_search_call')), 0),
                len(list_filter(events, lambda e: e ->> '$.type' = 'response.output_item.done'
                    AND e ->> '$.item.type' = 'web_search_call'))) END AS VARCHAR)
        -- (OpenRouter counts the searches its web plugin or tool ran)
        WHEN 'chat' THEN coalesce(usage.server_tool_use_details.web_search_requests,
            CASE WHEN contains(coalesce(resp.model, opening ->> '$.model', req.model),
                               '-search-') THEN '1' END)
        WHEN 'gemini' THEN CASE
            WHEN resp.object = 'interaction' OR opening ->> '$.event_type' IS NOT NULL THEN NULL
            WHEN events IS NULL THEN CAST(coalesce(list_max(list_transform(resp.candidates,
                lambda c: len(list_filter(c.groundingMetadata.webSearchQueries,
                    lambda q: q <> '')))), 0) AS VARCHAR)
            ELSE CAST(coalesce(list_max(list_transform(events, lambda e: len(list_filter(
                json_extract_string(e, '$.candidates[0].groundingMetadata.webSearchQueries[*]'),
                lambda q: q <> '')))), 0) AS VARCHAR) END
    END                                                             AS web_search_raw,
    NULL::VARCHAR AS usage_total_raw,  -- (a logged usage total: Langfuse's, stage 19)
    -- the inference part of the logged cost (OpenRouter: cost_details; migration 019)
    plan_upstream_cost(usage)                                       AS upstream_cost_raw
FROM p
