-- Stage 75: the load the self-hosted fleet must carry, from stage 55's per-minute sums of the
-- distilled-routed traffic the semantic cache did not answer. A minute's load is the replicas
-- needed to prefill its input and decode its output ($verbosity x as many output tokens) within
-- the minute; sq_load is the sum of its requests' squared loads (a request's load is
-- a x input + b x output, so its square is a^2 in^2 + 2ab in out + b^2 out^2), the variance a
-- minute of Poisson arrivals at that rate would have. One row per busy minute; planner/projection/fleet.py
-- models each hour's minutes from them.
CREATE OR REPLACE TEMP TABLE minute_loads AS
WITH k AS (
    SELECT 1 / 60.0 / $prefill_tps AS a,
           CAST($verbosity AS DOUBLE) / 60.0 / $decode_tps AS b
)
SELECT
    minute,
    input_tokens * k.a + output_tokens * k.b AS replica_load,
    sq_input * k.a * k.a + 2 * cross_tokens * k.a * k.b + sq_output * k.b * k.b AS sq_load,
    input_tokens + output_tokens AS tokens
FROM usage, k
WHERE is_minute AND minute IS NOT NULL
