-- Stage 20: validate every normalised line and store it, in one INSERT: a line that is not a
-- JSON object keeps its stage 15 problem; a failed request (the log recorded an API error) is
-- stored as such, unchecked; otherwise the first problem found in its fields is its reject
-- reason; a line with none is a request. A timestamp outside the plausible window (variables
-- plan_ts_min and plan_ts_max, planner/stages/ingest.py) is a reject: one stray year would stretch the
-- window and dilute the monthly figures. Token counts missing from the log are counted from the
-- text by plan_count_tokens (cl100k_base) plus OpenAI's chat framing: 3 tokens per message and
-- 3 to prime the reply; the prompt text is the system prompt and the prompt joined by a newline.
-- Each count is cast to DOUBLE once (the *_n columns), then checked and converted from that:
-- token counts up to 1e9 (100x the longest context window, 10M tokens), tool calls up to 1e5.
-- The checked lines go to a temporary table first, text included; `lines` takes them without
-- their text unless --keep-text (variable plan_keep_text), with the hashes that stand for it
-- (migration 008); file_texts takes the texts the text signals read (planner/stages/signals.py): per
-- workload of the file, its plan_text_sample distinct texts of smallest hash, a superset of the
-- run's sample (stage 45), so that no text has to be kept for later runs.
CREATE OR REPLACE TEMP TABLE checked_lines AS
WITH n AS (
    SELECT
        *,
        TRY_CAST(input_raw AS DOUBLE) AS input_n,
        TRY_CAST(output_raw AS DOUBLE) AS output_n,
        TRY_CAST(cached_raw AS DOUBLE) AS cached_n,
        TRY_CAST(cache_write_raw AS DOUBLE) AS cache_write_n,
        TRY_CAST(cache_write_1h_raw AS DOUBLE) AS cache_write_1h_n,
        TRY_CAST(reasoning_raw AS DOUBLE) AS reasoning_n,
        TRY_CAST(tool_calls_raw AS DOUBLE) AS tool_calls_n,
        TRY_CAST(web_search_raw AS DOUBLE) AS web_search_n,
        TRY_CAST(usage_total_raw AS DOUBLE) AS usage_total_n,
        TRY_CAST(logged_cost_raw AS DECIMAL(18, 10)) AS logged_cost,
        TRY_CAST(upstream_cost_raw AS DECIMAL(18, 10)) AS upstream_cost
    FROM norm
),
v AS (
    SELECT
        *,
        plan_ts(ts_raw) AS ts,
        CASE WHEN input_raw IS NULL THEN concat_ws(E'\n', system_prompt, prompt) END AS input_text,
        plan_count_problem(input_raw, input_n, 1e9) AS input_problem,
        plan_count_problem(output_raw, output_n, 1e9) AS output_problem,
        plan_count_problem(cached_raw, cached_n, 1e9) AS cached_problem,
        plan_count_problem(cache_write_raw, cache_write_n, 1e9) AS cache_write_problem,
        plan_count_problem(cache_write_1h_raw, cache_write_1h_n, 1e9) AS cache_write_1h_problem,
        plan_count_problem(reasoning_raw, reasoning_n, 1e9) AS reasoning_problem,
        plan_count_problem(tool_calls_raw, tool_calls_n, 1e5) AS tool_calls_problem,
        plan_count_problem(web_search_raw, web_search_n, 1e5) AS web_search_problem,
        images_raw IS NOT NULL AND TRY_CAST(images_raw AS BOOLEAN) IS NULL AS images_problem
    FROM n
),
p AS (
    SELECT
        *,
        CASE
            WHEN line_problem IS NOT NULL OR failure IS NOT NULL THEN NULL
            WHEN ts_raw IS NULL THEN 'timestamp'
            WHEN ts IS NULL THEN 'timestamp'
            WHEN NOT ts BETWEEN getvariable('plan_ts_min') AND getvariable('plan_ts_max')
                THEN 'timestamp'
            WHEN input_problem IS NOT NULL THEN 'input_tokens'
            WHEN output_problem IS NOT NULL THEN 'output_tokens'
            WHEN cached_problem IS NOT NULL THEN 'cached_input_tokens'
            WHEN cache_write_problem IS NOT NULL THEN 'cache_write_tokens'
            WHEN cache_write_1h_problem IS NOT NULL THEN 'cache_write_1h_tokens'
            WHEN reasoning_problem IS NOT NULL THEN 'reasoning_tokens'
            WHEN tool_calls_problem IS NOT NULL THEN 'tool_calls'
            WHEN web_search_problem IS NOT NULL THEN 'web_search_requests'
            WHEN images_problem THEN 'has_images'
            WHEN logged_cost_raw IS NOT NULL AND NOT coalesce(logged_cost >= 0, false)
                THEN 'logged_cost'
            WHEN input_raw IS NULL AND output_raw IS NULL
                 AND input_text = '' AND response IS NULL THEN 'input_tokens'
            WHEN input_raw IS NULL AND input_text = '' THEN 'input_tokens'
            WHEN output_raw IS NULL AND response IS NULL THEN 'output_tokens'
            WHEN coalesce(cached_n, 0) + coalesce(cache_write_n, 0) > input_n
                THEN 'cached_input_tokens'
            WHEN coalesce(reasoning_n, 0) > output_n THEN 'reasoning_tokens'
            WHEN coalesce(cache_write_1h_n, 0) > coalesce(cache_write_n, 0)
                THEN 'cache_write_1h_tokens'
        END AS problem_field
    FROM v
),
checked AS (
    SELECT
        *,
        CASE WHEN line_problem IS NOT NULL THEN line_problem ELSE CASE problem_field
            WHEN 'timestamp' THEN CASE
                WHEN ts_raw IS NULL THEN 'missing'
                WHEN ts IS NOT NULL THEN 'implausible, outside ' || getvariable('plan_ts_bounds')
                    || ': ' || left(ts_raw, 40)
                WHEN TRY_CAST(ts_raw AS DOUBLE) IS NOT NULL
                    THEN 'epoch value out of range (plan reads epoch SECONDS): ' || ts_raw
                ELSE 'not an ISO 8601 time or epoch seconds: ' || left(ts_raw, 40) END
            WHEN 'input_tokens' THEN coalesce(input_problem,
                CASE WHEN output_raw IS NULL AND response IS NULL
                    THEN 'no token counts and no text to count'
                    ELSE 'missing, and no prompt text to count it from' END)
            WHEN 'output_tokens' THEN coalesce(output_problem,
                'missing, and no response text to count it from')
            WHEN 'cached_input_tokens' THEN coalesce(cached_problem,
                'cache reads + writes exceed input_tokens (' || input_raw || ')')
            WHEN 'cache_write_tokens' THEN cache_write_problem
            WHEN 'cache_write_1h_tokens' THEN coalesce(cache_write_1h_problem,
                'exceeds cache_write_tokens (' || coalesce(cache_write_raw, '0') || ')')
            WHEN 'reasoning_tokens' THEN coalesce(reasoning_problem,
                'exceeds output_tokens (' || output_raw || ')')
            WHEN 'tool_calls' THEN tool_calls_problem
            WHEN 'web_search_requests' THEN web_search_problem
            WHEN 'has_images' THEN 'not a boolean: ' || left(images_raw, 40)
            WHEN 'logged_cost' THEN 'not a non-negative number of USD: ' || left(logged_cost_raw, 40)
        END END AS problem
    FROM p
),
r AS (SELECT *, problem IS NULL AND failure IS NULL AS is_request FROM checked)
SELECT
    $file_id AS file_id,
    line_no,
    problem_field,
    problem,
    excerpt,
    request_id,
    CASE WHEN ts BETWEEN getvariable('plan_ts_min') AND getvariable('plan_ts_max') THEN ts END
        AS ts,
    -- a blank workload name or tag is none (a Langfuse trace named ''): the next source names it
    CASE WHEN trim(workload_field) <> '' THEN workload_field END AS workload_field,
    CASE WHEN trim(workload_tag) <> '' THEN workload_tag END AS workload_tag,
    model,
    -- Counts are cast (and counted from text) for requests only: a rejected line's value may
    -- not fit the column (NaN, 1e20), and a failed request is never priced.
    -- The prompt text is counted in two parts (macro plan_token_head and _tail: the same sum).
    -- On DuckDB plan_count_tokens is a stand-in (NULL): the texts are counted after this
    -- statement, each distinct one once, and filled in from token_framing and count_response
    -- (planner/stages/tokens.py, sql/20_tokens.sql); on Spark it is the counter itself.
    CASE WHEN NOT is_request THEN NULL
        WHEN input_raw IS NULL THEN plan_count_tokens(plan_token_head(system_prompt, prompt))
            + coalesce(plan_count_tokens(plan_token_tail(system_prompt, prompt)), 0)
            + 3 * n_messages + 3
        ELSE input_n::BIGINT END AS input_tokens,
    CASE WHEN NOT is_request THEN NULL
        WHEN output_raw IS NULL THEN plan_count_tokens(response) ELSE output_n::BIGINT END
        AS output_tokens,
    CASE WHEN is_request AND input_raw IS NULL THEN 3 * n_messages + 3 END AS token_framing,
    is_request AND output_raw IS NULL AS count_response,
    CASE WHEN is_request THEN coalesce(cached_n, 0)::BIGINT END AS cached_input_tokens,
    CASE WHEN is_request THEN coalesce(cache_write_n, 0)::BIGINT END AS cache_write_tokens,
    CASE WHEN is_request THEN coalesce(reasoning_n, 0)::BIGINT END AS reasoning_tokens,
    input_raw IS NULL OR output_raw IS NULL AS tokens_counted,
    lower(task_type) AS task_type,
    team,
    coalesce(TRY_CAST(images_raw AS BOOLEAN), false) AS has_images,
    CASE WHEN is_request THEN coalesce(tool_calls_n, 0)::INTEGER END AS tool_calls,
    coalesce(defines_tools, false) OR coalesce(tool_calls_n, 0) > 0 AS has_tools,
    coalesce(has_audio, false) AS has_audio,
    coalesce(has_files, false) AS has_files,
    CASE WHEN is_request THEN tool_defs END AS tool_defs,
    CASE WHEN is_request THEN turns END AS turns,
    CASE WHEN is_request THEN computer_tool END AS computer_tool,
    system_prompt,
    prompt,
    response,
    CASE WHEN problem IS NULL THEN failure END AS failure,
    logged_cost,
    lower(service_tier) AS service_tier,
    custom_id,
    CASE WHEN is_request THEN coalesce(cache_write_1h_n, 0)::BIGINT END AS cache_write_1h_tokens,
    -- NULL where the log cannot say (migration 016)
    CASE WHEN is_request THEN web_search_n::BIGINT END AS web_search_requests,
    -- a logged usage total above the parts (migration 018): the tokens no part names
    CASE WHEN is_request AND usage_total_n < 1e15
            AND usage_total_n > input_n + output_n + coalesce(web_search_n, 0)
        THEN (usage_total_n - input_n - output_n - coalesce(web_search_n, 0))::BIGINT
    END AS usage_excess,
    -- the logged cost beyond the model's inference, where the log splits it (migration 019)
    CASE WHEN is_request AND upstream_cost >= 0 AND logged_cost > upstream_cost
        THEN logged_cost - upstream_cost END AS logged_fee,
    plan_text_hash(system_prompt, prompt) AS text_hash,
    plan_system_fp(system_prompt) AS system_fp,
    plan_prompt_key(prompt) AS prompt_key
FROM r
;
INSERT INTO lines BY NAME
SELECT
    * EXCLUDE (system_prompt, prompt, response, excerpt, token_framing, count_response),
    CASE WHEN getvariable('plan_keep_text') THEN system_prompt END AS system_prompt,
    CASE WHEN getvariable('plan_keep_text') THEN prompt END AS prompt,
    CASE WHEN getvariable('plan_keep_text') THEN response END AS response,
    CASE WHEN getvariable('plan_keep_text') THEN excerpt END AS excerpt
FROM checked_lines
;
CREATE OR REPLACE TEMP TABLE file_texts AS
-- The hashes first, then the texts of those picked alone: no text is concatenated or grouped
-- for a request outside the sample (with the sample off, for none).
-- A sample per file and workload: DuckDB reads one file at a time (file_id is the same on every
-- row), Spark all of a run's files at once (planner/stages/spark/read.py runs this as written).
WITH picked AS (
    SELECT
        file_id,
        coalesce(workload_field, workload_tag, 'system-prompt:' || system_fp,
                 'model:' || coalesce(model, 'unknown')) AS workload,
        text_hash
    FROM checked_lines
    WHERE text_hash IS NOT NULL AND problem IS NULL AND failure IS NULL
    GROUP BY 1, 2, 3
    QUALIFY row_number() OVER (PARTITION BY file_id, workload ORDER BY text_hash)
        <= getvariable('plan_text_sample')
)
SELECT
    c.text_hash,
    left(any_value(concat_ws(' ', c.system_prompt, c.prompt)),
         getvariable('plan_text_max_chars')) AS text,
    left(any_value(c.prompt), getvariable('plan_text_max_chars')) AS prompt
FROM checked_lines c
SEMI JOIN picked p ON p.text_hash = c.text_hash
WHERE c.problem IS NULL AND c.failure IS NULL
GROUP BY c.text_hash
