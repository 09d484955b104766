-- Stage 12: API calls (a request body `req` and a response body `resp`, however stage 13
-- unwrapped them from the log) onto the columns every source shares. The response tells the API
-- apart, row by row:
--   chat        OpenAI Chat Completions: usage.prompt_tokens includes cached_tokens,
--               completion_tokens includes reasoning_tokens (plan's own accounting)
--   embeddings  OpenAI embeddings (object 'list'): input only, no output
--   responses   OpenAI Responses (object 'response'): usage.input_tokens includes
--               input_tokens_details.cached_tokens; output_tokens includes reasoning
--   anthropic   Anthropic Messages (type 'message'): usage.input_tokens EXCLUDES
--               cache_creation_input_tokens and cache_read_input_tokens, added back here
-- A streamed response (SSE text, or a JSON array of chunks) is read from its events: OpenAI's
-- last chunk with usage; Anthropic's message_start usage updated by its last message_delta
-- (which carries the output count); the text deltas joined.
CREATE OR REPLACE TEMP VIEW norm AS
WITH s AS (
    SELECT
        *,
        CASE json_type(resp)
            WHEN 'VARCHAR' THEN plan_sse_events(resp ->> '$')
            WHEN 'ARRAY' THEN CAST(resp AS JSON[])
        END AS events
    FROM calls
),
k AS (
    SELECT
        *,
        CASE
            WHEN events IS NOT NULL THEN CASE
                WHEN list_contains(list_transform(events, lambda e: json_extract_string(e, '$.type')),
                                   'message_start') THEN 'anthropic' ELSE 'chat' END
            WHEN resp ->> '$.type' = 'message' THEN 'anthropic'
            WHEN resp ->> '$.object' = 'response' THEN 'responses'
            WHEN resp ->> '$.object' = 'list' THEN 'embeddings'
            ELSE 'chat'
        END AS api,
        -- for a stream: the event that opens it (Anthropic message_start, or the first chunk)
        CASE WHEN events IS NOT NULL THEN coalesce(
            json_extract(list_filter(events, lambda e:
                json_extract_string(e, '$.type') = 'message_start')[1], '$.message'),
            events[1])
        END AS opening
    FROM s
),
u AS (
    SELECT
        *,
        CASE
            WHEN events IS NULL THEN json_extract(resp, '$.usage')
            WHEN api = 'anthropic' THEN json_merge_patch(
                json_extract(opening, '$.usage'),
                coalesce(json_extract(list_filter(events, lambda e:
                    json_extract_string(e, '$.type') = 'message_delta')[-1], '$.usage'), '{}'))
            ELSE json_extract(list_filter(events, lambda e:
                json_type(json_extract(e, '$.usage')) = 'OBJECT')[-1], '$.usage')
        END AS usage,
        coalesce(CAST(json_extract(req, '$.messages') AS JSON[]),
                 CASE WHEN json_type(json_extract(req, '$.input')) = 'ARRAY'
                     THEN CAST(json_extract(req, '$.input') AS JSON[]) END) AS msgs
    FROM k
),
t AS (
    SELECT
        *,
        usage ->> '$.input_tokens' AS a_in,
        usage ->> '$.cache_creation_input_tokens' AS a_write,
        usage ->> '$.cache_read_input_tokens' AS a_read
    FROM u
)
SELECT
    line_no,
    line_problem,
    excerpt,
    coalesce(request_id, resp ->> '$.id', opening ->> '$.id')       AS request_id,
    CASE
        WHEN ts_raw IS NOT NULL THEN ts_raw
        WHEN api = 'responses' THEN resp ->> '$.created_at'
        ELSE coalesce(resp ->> '$.created', opening ->> '$.created')
    END                                                             AS ts_raw,
    workload_field,
    workload_tag,
    coalesce(resp ->> '$.model', opening ->> '$.model', req ->> '$.model') AS model,
    CASE api
        WHEN 'anthropic' THEN plan_sum_counts(a_in, a_write, a_read)
        WHEN 'responses' THEN usage ->> '$.input_tokens'
        ELSE usage ->> '$.prompt_tokens'
    END                                                             AS input_raw,
    CASE api
        WHEN 'embeddings' THEN coalesce(usage ->> '$.completion_tokens', '0')
        WHEN 'chat' THEN usage ->> '$.completion_tokens'
        ELSE usage ->> '$.output_tokens'
    END                                                             AS output_raw,
    CASE api
        WHEN 'anthropic' THEN a_read
        WHEN 'responses' THEN usage ->> '$.input_tokens_details.cached_tokens'
        ELSE usage ->> '$.prompt_tokens_details.cached_tokens'
    END                                                             AS cached_raw,
    CASE api WHEN 'anthropic' THEN a_write END                      AS cache_write_raw,
    CASE api
        WHEN 'responses' THEN usage ->> '$.output_tokens_details.reasoning_tokens'
        WHEN 'chat' THEN usage ->> '$.completion_tokens_details.reasoning_tokens'
    END                                                             AS reasoning_raw,
    task_type,
    team,
    CAST(list_has_any(
        list_concat(json_extract_string(req, '$.messages[*].content[*].type'),
                    json_extract_string(req, '$.input[*].content[*].type')),
        ['image_url', 'input_image', 'image']
    ) AS VARCHAR)                                                   AS images_raw,
    CAST(
        coalesce(len(json_extract(req, '$.messages[*].tool_calls[*]')), 0)
        + coalesce(len(json_extract(resp, '$.choices[*].message.tool_calls[*]')), 0)
        + len(list_filter(list_concat(
            json_extract_string(resp, '$.output[*].type'),
            json_extract_string(resp, '$.content[*].type'),
            json_extract_string(req, '$.messages[*].content[*].type')),
            lambda x: x IN ('function_call', 'tool_use')))
    AS VARCHAR)                                                     AS tool_calls_raw,
    coalesce(json_array_length(req, '$.tools'), 0) > 0              AS defines_tools,
    coalesce(
        plan_msg_text(list_filter(msgs, lambda x: x ->> '$.role' IN ('system', 'developer'))[1]),
        plan_msg_text(json_object('content', json_extract(req, '$.system'))),
        req ->> '$.instructions')                                   AS system_prompt,
    coalesce(
        nullif(array_to_string(list_transform(
            list_filter(msgs, lambda x: x ->> '$.role' NOT IN ('system', 'developer')),
            lambda x: plan_msg_text(x)), E'\n'), ''),
        CASE WHEN json_type(json_extract(req, '$.input')) = 'VARCHAR' THEN req ->> '$.input' END
    )                                                               AS prompt,
    nullif(CASE
        WHEN events IS NOT NULL THEN array_to_string(list_transform(events, lambda e: coalesce(
            json_extract_string(e, '$.choices[0].delta.content'),
            json_extract_string(e, '$.delta.text'))), '')
        WHEN api = 'chat' THEN resp ->> '$.choices[0].message.content'
        WHEN api = 'responses' THEN array_to_string(
            json_extract_string(resp, '$.output[*].content[*].text'), '')
        WHEN api = 'anthropic' THEN array_to_string(
            json_extract_string(resp, '$.content[*].text'), '')
    END, '')                                                        AS response,
    coalesce(len(msgs), 0)                                          AS n_messages,
    coalesce(failure, CASE WHEN json_type(json_extract(resp, '$.error')) = 'OBJECT'
        THEN 'error: ' || coalesce(resp ->> '$.error.message', resp ->> '$.error.type', '?')
    END)                                                            AS failure,
    NULL::VARCHAR                                                   AS logged_cost_raw,
    coalesce(service_tier, resp ->> '$.service_tier')               AS service_tier
FROM t
