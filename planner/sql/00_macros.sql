-- Helpers used by the ingest stages. Every value from a log arrives as text and is checked here.

-- NULL when `v` is a usable token count, otherwise what is wrong with it.
CREATE OR REPLACE TEMP MACRO plan_count_problem(v) AS CASE
    WHEN v IS NULL THEN NULL
    WHEN TRY_CAST(v AS DOUBLE) IS NULL OR NOT isfinite(TRY_CAST(v AS DOUBLE))
        THEN 'not a number: ' || left(v, 40)
    WHEN TRY_CAST(v AS DOUBLE) < 0 THEN 'negative: ' || v
    WHEN TRY_CAST(v AS DOUBLE) <> floor(TRY_CAST(v AS DOUBLE)) THEN 'not a whole number: ' || v
    WHEN TRY_CAST(v AS DOUBLE) > 1e12 THEN 'implausibly large: ' || v
END;

-- Safe only after plan_count_problem(v) IS NULL: 1e3 and "12" are whole numbers, 12.5 is not.
CREATE OR REPLACE TEMP MACRO plan_count(v) AS CAST(TRY_CAST(v AS DOUBLE) AS BIGINT);

-- ISO 8601 (an offset is honoured; none means UTC) or epoch seconds, as a UTC TIMESTAMP.
CREATE OR REPLACE TEMP MACRO plan_ts(v) AS CAST(CASE
    WHEN TRY_CAST(v AS DOUBLE) IS NOT NULL THEN
        CASE WHEN TRY_CAST(v AS DOUBLE) BETWEEN 0 AND 4102444800
            THEN to_timestamp(TRY_CAST(v AS DOUBLE)) END
    ELSE TRY_CAST(v AS TIMESTAMPTZ)
END AS TIMESTAMP);

-- The text of one chat message: a string content, or the text parts of a content list.
-- (Function calls, not the -> operators: inside a macro DuckDB 2.0 reads `m -> ...` as a lambda.)
CREATE OR REPLACE TEMP MACRO plan_msg_text(m) AS CASE json_type(json_extract(m, '$.content'))
    WHEN 'VARCHAR' THEN json_extract_string(m, '$.content')
    WHEN 'ARRAY' THEN array_to_string(json_extract_string(m, '$.content[*].text'), ' ')
END;

-- USD for one request at price row `p` (per-token DECIMAL rates; see planner/pipeline.py). Each
-- token bucket pays its own rate; above the long-context threshold the whole request pays the
-- tier's rates. NULL when p is NULL (a model with no price), never 0.
CREATE OR REPLACE TEMP MACRO plan_request_cost(inp, cached, cw, outp, p) AS CASE
    WHEN p.lc_above IS NOT NULL AND inp > p.lc_above THEN
        (inp - cached - cw) * p.lc_input + cached * p.lc_cached_input
        + cw * p.lc_cache_write + outp * p.lc_output
    ELSE
        (inp - cached - cw) * p.input + cached * p.cached_input
        + cw * p.cache_write + outp * p.output
END;
