-- Helpers used by the ingest stages. Every value from a log arrives as text and is checked here.

-- NULL when text `v` (`d`: the same cast to DOUBLE, NULL when it is not a number) is a usable
-- count of at most `most`, otherwise what is wrong with it. The first test passes the common
-- case. (DOUBLE, not an integer type, which would round "12.5" to 13; it is exact up to 2^53.)
CREATE OR REPLACE TEMP MACRO plan_count_problem(v, d, most) AS CASE
    WHEN v IS NULL OR (d BETWEEN 0 AND most AND d = floor(d)) THEN NULL
    WHEN d IS NULL OR NOT isfinite(d) THEN 'not a number: ' || left(v, 40)
    WHEN d < 0 THEN 'negative: ' || v
    WHEN d <> floor(d) THEN 'not a whole number: ' || v
    ELSE 'implausibly large: ' || v
END;

-- ISO 8601 (an offset is honoured; none means UTC) or epoch seconds, as a UTC TIMESTAMP.
-- (CASE, not coalesce: DuckDB evaluates every coalesce argument, CASE only the branch taken.
-- make_timestamp(epoch_us(...)) is the UTC wall time, without a time-zone conversion per row.)
CREATE OR REPLACE TEMP MACRO plan_ts(v) AS make_timestamp(epoch_us(CASE
    WHEN TRY_CAST(v AS TIMESTAMPTZ) IS NOT NULL THEN TRY_CAST(v AS TIMESTAMPTZ)
    WHEN TRY_CAST(v AS DOUBLE) BETWEEN 0 AND 4102444800 THEN to_timestamp(TRY_CAST(v AS DOUBLE))
END));

-- USD for some tokens at price row `p` (per-token DECIMAL rates; see planner/projection/scenarios.py). Each
-- token bucket pays its own rate (`cw1h`, the 1-hour cache writes, are a part of the cache
-- writes `cw`); `lc` (the request was above the model's long-context threshold) puts the whole
-- request at the tier's rates. NULL when p is NULL (a model with no price), never 0.
-- The price tier a logged service tier bills at: batch, flex and priority have their own rates
-- where a model publishes them; every other value (default, auto, scale, none) is standard.
CREATE OR REPLACE TEMP MACRO plan_price_tier(t) AS
    CASE WHEN t IN ('batch', 'flex', 'priority') THEN t ELSE 'standard' END;

CREATE OR REPLACE TEMP MACRO plan_cost(inp, cached, cw, cw1h, outp, p, lc) AS CASE
    WHEN lc THEN
        (inp - cached - cw) * p.lc_input + cached * p.lc_cached_input
        + (cw - cw1h) * p.lc_cache_write + cw1h * p.lc_cache_write_1h + outp * p.lc_output
    ELSE
        (inp - cached - cw) * p.input + cached * p.cached_input
        + (cw - cw1h) * p.cache_write + cw1h * p.cache_write_1h + outp * p.output
END;

-- The events of a server-sent-event stream (text): each `data:` line that holds JSON.
CREATE OR REPLACE TEMP MACRO plan_sse_events(t) AS list_transform(
    list_filter(string_split(t, E'\n'), lambda l: starts_with(l, 'data:')
        AND json_valid(trim(substr(l, 6)))),
    lambda l: CAST(trim(substr(l, 6)) AS JSON));

-- The sum of token counts given as text, as text (Anthropic's input = input + cache writes +
-- cache reads). When one part is not a count, that part, so that stage 20 reports it.
CREATE OR REPLACE TEMP MACRO plan_sum_counts(a, b, c) AS CASE
    WHEN a IS NULL THEN NULL
    WHEN plan_count_problem(a, TRY_CAST(a AS DOUBLE), 1e9) IS NOT NULL THEN a
    WHEN plan_count_problem(b, TRY_CAST(b AS DOUBLE), 1e9) IS NOT NULL THEN b
    WHEN plan_count_problem(c, TRY_CAST(c AS DOUBLE), 1e9) IS NOT NULL THEN c
    ELSE CAST(TRY_CAST(a AS DOUBLE) + coalesce(TRY_CAST(b AS DOUBLE), 0)
              + coalesce(TRY_CAST(c AS DOUBLE), 0) AS VARCHAR)
END;

-- A chat completion's output (stage 12): xAI's completion_tokens exclude its reasoning tokens
-- (its total_tokens is prompt + completion + reasoning); OpenAI's include them (total = prompt
-- + completion). OpenAI's legacy /v1/completions leaves completion_tokens out when nothing was
-- generated ({prompt_tokens: 11, total_tokens: 11}): 0.
CREATE OR REPLACE TEMP MACRO plan_chat_output(usage) AS CASE
    WHEN TRY_CAST(usage.total_tokens AS DOUBLE) = TRY_CAST(usage.prompt_tokens AS DOUBLE)
            + TRY_CAST(usage.completion_tokens AS DOUBLE)
            + TRY_CAST(usage.completion_tokens_details.reasoning_tokens AS DOUBLE)
        AND TRY_CAST(usage.completion_tokens_details.reasoning_tokens AS DOUBLE) > 0
    THEN plan_sum_counts(usage.completion_tokens,
                         usage.completion_tokens_details.reasoning_tokens, NULL)
    WHEN usage.completion_tokens IS NULL
        AND TRY_CAST(usage.total_tokens AS DOUBLE) = TRY_CAST(usage.prompt_tokens AS DOUBLE)
    THEN '0'
    ELSE usage.completion_tokens
END;

-- A chat completion's cache writes (stage 12): OpenRouter's prompt_tokens_details.cache_write_tokens;
-- a LiteLLM proxy's completion of an Anthropic (or Bedrock) model gives them only as the top-level
-- cache_creation_input_tokens (older versions: also prompt_tokens_details.cache_creation_tokens),
-- its prompt_tokens including them and the reads (litellm's calculate_usage). A write that
-- overlaps the reads (reads + writes above the prompt: OpenRouter's Gemini cache created and read
-- in the same call) is billed as cache storage, not as tokens: the reads count, the write is 0
-- (usage.cost keeps what was charged).
CREATE OR REPLACE TEMP MACRO plan_chat_writes(usage) AS coalesce(
    usage.prompt_tokens_details.cache_write_tokens, usage.cache_creation_input_tokens,
    usage.prompt_tokens_details.cache_creation_tokens);

CREATE OR REPLACE TEMP MACRO plan_chat_cache_write(usage) AS CASE
    WHEN TRY_CAST(coalesce(usage.prompt_tokens_details.cached_tokens,
                           usage.cache_read_input_tokens) AS DOUBLE)
            + TRY_CAST(plan_chat_writes(usage) AS DOUBLE)
            > TRY_CAST(usage.prompt_tokens AS DOUBLE) THEN '0'
    ELSE plan_chat_writes(usage)
END;

-- Of them, the 1-hour writes (LiteLLM: prompt_tokens_details.cache_creation_token_details), none
-- where the write is not counted.
CREATE OR REPLACE TEMP MACRO plan_chat_cache_write_1h(usage) AS CASE
    WHEN plan_chat_cache_write(usage) IS DISTINCT FROM '0' THEN
        usage.prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens
END;

-- The cost a chat completion's usage logs as charged (stage 12): OpenRouter's usage.cost is a
-- number; Perplexity's an object whose total_cost is the charge; xAI's cost_in_usd_ticks counts
-- 1e-10 USD (exact in decimals; a value that is not a count is passed on, to be rejected).
-- `byok`: OpenRouter's cost_details.upstream_inference_cost of a BYOK call (is_byok), which the
-- provider charged on the team's own key beside OpenRouter's fee (`cost`): the call's cost is
-- both (on other calls it is within `cost`, and not passed).
CREATE OR REPLACE TEMP MACRO plan_usage_cost(cost, ticks, byok) AS CASE
    WHEN prefix(cost, '{') THEN json_extract_string(cost, '$.total_cost')
    WHEN cost IS NULL AND ticks IS NOT NULL THEN coalesce(CAST(TRY_CAST(ticks AS DECIMAL(18, 0))
        * CAST('0.0000000001' AS DECIMAL(11, 10)) AS VARCHAR), ticks)
    WHEN byok IS NOT NULL THEN coalesce(CAST(TRY_CAST(cost AS DECIMAL(18, 10))
        + TRY_CAST(byok AS DECIMAL(18, 10)) AS VARCHAR), cost)
    ELSE cost
END;

-- The part of a usage's logged cost that paid for the model's inference (stage 12): OpenRouter's
-- cost_details.upstream_inference_cost, else its prompt and completion parts summed (chat
-- completions spell them prompt / completions, Responses input / output); NULL where the log
-- does not split its cost. Stage 20 keeps the rest of the logged cost as a fee (migration 019).
CREATE OR REPLACE TEMP MACRO plan_upstream_cost(usage) AS coalesce(
    usage.cost_details.upstream_inference_cost,
    CAST(TRY_CAST(coalesce(usage.cost_details.upstream_inference_prompt_cost,
                           usage.cost_details.upstream_inference_input_cost) AS DECIMAL(18, 10))
         + TRY_CAST(coalesce(usage.cost_details.upstream_inference_completions_cost,
                             usage.cost_details.upstream_inference_output_cost)
                    AS DECIMAL(18, 10)) AS VARCHAR));

-- The usage object of one stream chunk, NULL when it has none: OpenAI's `usage` (null on all
-- but the last chunk when requested), Groq's `x_groq.usage`, or Gemini's `usageMetadata`.
CREATE OR REPLACE TEMP MACRO plan_chunk_usage(e) AS CASE
    WHEN json_type(json_extract(e, '$.usage')) = 'OBJECT' THEN json_extract(e, '$.usage')
    WHEN json_type(json_extract(e, '$.x_groq.usage')) = 'OBJECT'
        THEN json_extract(e, '$.x_groq.usage')
    WHEN json_type(json_extract(e, '$.usageMetadata')) = 'OBJECT'
        THEN json_extract(e, '$.usageMetadata')
END;

-- The texts of Gemini `contents` (or a `systemInstruction`), read as JSON text: each content's
-- `parts` is a list of parts, or (as some batch inputs have it) a single part. NULL when none.
-- (The usual shape's path first: each extraction parses the text again.)
CREATE OR REPLACE TEMP MACRO plan_gemini_text(c) AS CASE WHEN json_valid(c) THEN nullif(
    array_to_string(CASE WHEN prefix(c, '{')
        THEN coalesce(nullif(json_extract_string(c, '$.parts[*].text'), []),
                      [json_extract_string(c, '$.parts.text')])
        ELSE coalesce(nullif(json_extract_string(c, '$[*].parts[*].text'), []),
                      json_extract_string(c, '$[*].parts.text')) END,
    E'\n'), '') END;

-- The sum of a list of token counts given as text, as text, missing ones 0 (Anthropic's
-- usage.iterations). When one is not a count, that one, so that stage 20 reports it.
CREATE OR REPLACE TEMP MACRO plan_sum_list(l) AS CASE
    WHEN list_bool_or(list_transform(l, lambda v:
            plan_count_problem(v, TRY_CAST(v AS DOUBLE), 1e9) IS NOT NULL))
        THEN list_filter(l, lambda v: plan_count_problem(v, TRY_CAST(v AS DOUBLE), 1e9)
            IS NOT NULL)[1]
    ELSE CAST(list_sum(list_transform(l, lambda v: coalesce(TRY_CAST(v AS DOUBLE), 0))) AS VARCHAR)
END;

-- The cache writes to a 1-hour cache of Bedrock Converse's usage.cacheDetails (JSON: the writes
-- by TTL, [{ttl: '5m' | '1h', inputTokens}], 1h first), as text (stage 20 checks it).
CREATE OR REPLACE TEMP MACRO plan_converse_1h(details) AS plan_sum_list(list_transform(
    list_filter(json_extract(details, '$[*]'), lambda d: d ->> 'ttl' = '1h'),
    lambda d: d ->> 'inputTokens'));

-- The counts of an Anthropic usage object's passes (input, output, cache reads, cache writes, as
-- text): a compaction (or advisor) response bills every pass the request made, and while its top
-- level counts only the last one, `usage.iterations` lists them all; their sums are the
-- request's. (`iterations` is JSON: stage 12 evaluates this once per row that has it.)
CREATE OR REPLACE TEMP MACRO plan_passes(u) AS {
    'input_tokens': plan_sum_list(json_extract_string(u.iterations, '$[*].input_tokens')),
    'output_tokens': plan_sum_list(json_extract_string(u.iterations, '$[*].output_tokens')),
    'cache_read_input_tokens': plan_sum_list(
        json_extract_string(u.iterations, '$[*].cache_read_input_tokens')),
    'cache_creation_input_tokens': plan_sum_list(
        json_extract_string(u.iterations, '$[*].cache_creation_input_tokens'))};

-- A JSON value that may have been stored as JSON text (LiteLLM writes metadata as a string).
CREATE OR REPLACE TEMP MACRO plan_json_value(v) AS CASE
    WHEN json_type(v) = 'VARCHAR' AND json_valid(json_extract_string(v, '$'))
        THEN json(json_extract_string(v, '$'))
    WHEN json_type(v) = 'VARCHAR' THEN NULL
    ELSE v
END;

-- The text of a message content read as VARCHAR (planner/stages/sources.py): the text itself, or, for a
-- list of parts (which json_transform hands over as JSON text), the text of its parts.
CREATE OR REPLACE TEMP MACRO plan_content_text(c) AS CASE
    WHEN NOT prefix(c, '[{') THEN c
    WHEN json_valid(c) THEN array_to_string(json_extract_string(c, '$[*].text'), ' ')
    ELSE c
END;

-- Whether a message content holds an image part. (The text test first: most hold none. CASE,
-- not AND: DuckDB evaluates every AND operand, and the extract fails on plain text.)
CREATE OR REPLACE TEMP MACRO plan_has_image(c) AS CASE
    WHEN c LIKE '[{%image%' AND json_valid(c) THEN list_has_any(
        json_extract_string(c, '$[*].type'), ['image_url', 'input_image', 'image'])
    ELSE false
END;

-- Tool calls in one message: OpenAI's tool_calls list, or Anthropic tool_use content parts.
CREATE OR REPLACE TEMP MACRO plan_tool_uses(calls, c) AS
    coalesce(len(calls), 0)
    + CASE WHEN c LIKE '[{%tool_use%' AND json_valid(c)
        THEN len(list_filter(json_extract_string(c, '$[*].type'), lambda t: t = 'tool_use'))
        ELSE 0 END;

-- A chat's messages (the plan_messages_spec structure of planner/stages/sources.py): the first system
-- or developer message's text, and the other messages' texts joined, NULL when empty.
CREATE OR REPLACE TEMP MACRO plan_system_text(msgs) AS plan_content_text(
    list_filter(msgs, lambda m: m.role IN ('system', 'developer'))[1].content);

-- (One pass, a CASE in the lambda: a list_filter first copied every message it kept.)
CREATE OR REPLACE TEMP MACRO plan_prompt_text(msgs) AS nullif(array_to_string(list_transform(
    msgs, lambda m: CASE WHEN m.role NOT IN ('system', 'developer')
        THEN plan_content_text(m.content) END), E'\n'), '');

-- Audio (or video) and file (PDF, document) parts of a message's content: OpenAI Chat's
-- input_audio and file parts, the Responses API's input_audio and input_file, Anthropic's
-- document blocks, Bedrock Converse's video and document blocks, and any part with an audio,
-- video, PDF or text mime type. (Only a list of parts is searched: a text part's own quotes
-- are escaped, so text that mentions "type": "file" does not match.)
CREATE OR REPLACE TEMP MACRO plan_has_audio_part(c) AS CASE
    WHEN c LIKE '[{%' THEN regexp_matches(c,
        '"type"\s*:\s*"(input_)?audio"|"mime_?[tT]ype"\s*:\s*"(audio|video)/|"video"\s*:\s*\{')
    ELSE false
END;
CREATE OR REPLACE TEMP MACRO plan_has_file_part(c) AS CASE
    WHEN c LIKE '[{%' THEN regexp_matches(c, '"type"\s*:\s*"(file|input_file|document)"'
        || '|"mime_?[tT]ype"\s*:\s*"(application|text)/|"document"\s*:\s*\{')
    ELSE false
END;
CREATE OR REPLACE TEMP MACRO plan_has_audio(msgs) AS
    coalesce(list_bool_or(list_transform(msgs, lambda m: plan_has_audio_part(m.content))), false);
CREATE OR REPLACE TEMP MACRO plan_has_files(msgs) AS
    coalesce(list_bool_or(list_transform(msgs, lambda m: plan_has_file_part(m.content))), false);
-- The user's turns of a conversation (its user messages, tool results included: an agent loop
-- sends one per step).
CREATE OR REPLACE TEMP MACRO plan_user_turns(msgs) AS
    len(list_filter(msgs, lambda m: m.role = 'user'));

-- A tool that acts on a computer (migration 014: capability-bound by construction): Anthropic's
-- computer, bash and text editor tools (computer_20250124, bash_20250124,
-- text_editor_20250728, ...), OpenAI's computer_use_preview, computer, local_shell, shell and
-- apply_patch, or a function named like one (bash, str_replace_editor, Playwright's browser_*,
-- browser-use's go_to_url; an MCP prefix such as mcp__server__ allowed). Its type, or
-- `function NAME`; NULL when it is none of them. Not counted: code interpreters
-- (code_interpreter, code_execution_*: a sandbox chat assistants run arithmetic and charts in),
-- web search and fetch, file search, image generation, MCP servers, memory.
CREATE OR REPLACE TEMP MACRO plan_computer_tool(kind, fname) AS CASE
    WHEN regexp_matches(kind, '^((computer|bash|text_editor)_[0-9]{8}|computer|computer_use'
        || '|computer_use_preview|computer-use-preview|local_shell|shell|apply_patch)$') THEN kind
    WHEN regexp_matches(fname, '(?i)^([a-z0-9_-]+__)?(computer|computer_use|bash|shell'
        || '|local_shell|execute_bash|run_bash|run_shell|run_shell_command|execute_shell_command'
        || '|str_replace_editor|str_replace_based_edit_tool|text_editor|apply_patch'
        || '|browser_[a-z0-9_]+|go_to_url|click_element[a-z0-9_]*|take_screenshot|screenshot'
        || '|left_click|mouse_move)$') THEN 'function ' || fname
END;
-- The first computer tool among lists of tool types and of function names (read from a JSON
-- text: Bedrock Converse's toolConfig, the Anthropic tools it passes in
-- additionalModelRequestFields).
CREATE OR REPLACE TEMP MACRO plan_first_computer_tool(kinds, names) AS coalesce(
    list_filter(list_transform(kinds, lambda k: plan_computer_tool(k, NULL)),
                lambda x: x IS NOT NULL)[1],
    list_filter(list_transform(names, lambda n: plan_computer_tool(NULL, n)),
                lambda x: x IS NOT NULL)[1]);
-- A request's tools (plan_request_spec's structure: OpenAI Chat and Responses, Anthropic,
-- Gemini's tool groups): the computer tools it defines, joined with ', '. OpenAI's shell in a
-- hosted container (environment container_auto) is a code interpreter: not counted. (CASE: most
-- requests define no tools, and the lambdas cost every row a pass even over an empty list.)
CREATE OR REPLACE TEMP MACRO plan_computer_tools(tools) AS CASE WHEN len(tools) > 0 THEN
    nullif(array_to_string(list_filter(
    list_transform(tools, lambda t: CASE WHEN t.computerUse IS NOT NULL THEN 'computerUse'
        WHEN prefix(t.environment.type, 'container') THEN NULL
        ELSE coalesce(plan_computer_tool(t.type, coalesce(t.function.name, t.name)),
            list_filter(list_transform(json_extract_string(t.functionDeclarations, '$[*].name'),
                lambda n: plan_computer_tool(NULL, n)), lambda x: x IS NOT NULL)[1]) END),
    lambda x: x IS NOT NULL), ', '), '') END;

-- Whether any message's content is a list of parts (JSON text starting '[{'): only such a
-- message can hold an image, audio or file part, so a chat of text messages (most) is answered
-- by this one pass instead of the three of plan_has_images, plan_has_audio and plan_has_files
-- (a call site computes it once per row and asks those only where it is true).
CREATE OR REPLACE TEMP MACRO plan_has_parts(msgs) AS
    coalesce(list_bool_or(list_transform(msgs, lambda m: prefix(m.content, '[{'))), false);

-- Whether any message of a chat holds an image part.
CREATE OR REPLACE TEMP MACRO plan_has_images(msgs) AS
    coalesce(list_bool_or(list_transform(msgs, lambda m: plan_has_image(m.content))), false);
-- What a line keeps of its text when the text itself is not kept (migration 008): the hash of
-- its system prompt and prompt, the fingerprint of its system prompt that names a workload the
-- log does not name, and the hash of its prompt normalised for exact-repeat cache hits (case,
-- whitespace, and any word holding a digit masked).
--
-- The text hash orders each workload's texts for the text sample (stages 20, 21, 45: the first
-- --text-sample by hash), so it is one both engines compute alike (DuckDB's own hash() is not
-- Spark's, and may change between DuckDB versions): 60 bits of the MD5 of the system prompt, a
-- unit separator and the prompt (a NULL system prompt adds nothing, a NULL prompt is an empty
-- one). plan_md5_60 is the low 60 bits of md5_number (DuckDB reads the digest's first 8 bytes
-- little-endian); Spark computes the same from md5's hex digits (planner/stages/spark/
-- functions.py). Migration 015: the hashes of files read before are not these.
CREATE OR REPLACE TEMP MACRO plan_md5_60(s) AS (md5_number(s) & 1152921504606846975)::UBIGINT;
CREATE OR REPLACE TEMP MACRO plan_text_hash(sys, prompt) AS
    CASE WHEN coalesce(sys, prompt) IS NOT NULL
         THEN plan_md5_60(coalesce(sys || chr(31), '') || coalesce(prompt, '')) END;
-- Stage 50's draw for a request outside the text sample: a number in [0, 1000000) from its file
-- and line by integer arithmetic both engines compute alike (no product passes 2^62): the line
-- key modulo the prime 2^31 - 1, a Lehmer step (48271), then squared modulo the prime (so that
-- neighbouring lines are not evenly spaced).
CREATE OR REPLACE TEMP MACRO plan_square_mod(v) AS v * v % 2147483647;
CREATE OR REPLACE TEMP MACRO plan_draw(file_id, line_no) AS plan_square_mod(
    (file_id::BIGINT * 1000003 + line_no) % 2147483647 * 48271 % 2147483647) % 1000000;
CREATE OR REPLACE TEMP MACRO plan_system_fp(sys) AS left(md5(sys), 8);
CREATE OR REPLACE TEMP MACRO plan_prompt_key(prompt) AS CASE WHEN prompt IS NOT NULL THEN
    hash(trim(regexp_replace(regexp_replace(lower(prompt), '\b[a-z_-]*[0-9][a-z0-9_-]*\b', '#',
                                            'g'), '\s+', ' ', 'g'))) END;
-- The prompt text stage 20 counts tokens of (system prompt, a newline, prompt) as two parts
-- counted apart, so that a system prompt many requests share is counted once (planner/stages/tokens.py):
-- the system prompt with the newline, and the prompt. The sum equals the count of the whole
-- text when the prompt starts with a letter, number, punctuation or symbol (never white space):
-- cl100k_base's pre-tokenizer then ends a piece after that newline, and neither side's pieces
-- depend on the other (tests/test_tokens.py checks it on real and random texts). Otherwise the
-- whole text is the head and the tail is NULL.
CREATE OR REPLACE TEMP MACRO plan_token_split(sys, prompt) AS
    sys IS NOT NULL AND coalesce(regexp_matches(prompt, '^[\p{L}\p{N}\p{P}\p{S}]'), false);
CREATE OR REPLACE TEMP MACRO plan_token_head(sys, prompt) AS CASE
    WHEN plan_token_split(sys, prompt) THEN sys || E'\n' ELSE concat_ws(E'\n', sys, prompt) END;
CREATE OR REPLACE TEMP MACRO plan_token_tail(sys, prompt) AS
    CASE WHEN plan_token_split(sys, prompt) THEN prompt END;
-- Whether a request's time is within the run's --since / --until (variables plan_since and
-- plan_until, set by planner/stages/analysis.py; NULL: no bound on that side).
CREATE OR REPLACE TEMP MACRO plan_in_window(ts) AS
    (getvariable('plan_since') IS NULL OR ts >= getvariable('plan_since'))
    AND (getvariable('plan_until') IS NULL OR ts < getvariable('plan_until'));
