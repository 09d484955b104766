-- Stage 75: the load the self-hosted fleet must carry, from stage 50's per-minute sums of the
-- distilled-routed traffic the semantic cache did not answer. A minute's load is the replicas
-- needed to prefill its input and decode its output ($verbosity x as many output tokens) within
-- the minute. One row per busy minute; planner/fleet.py takes the percentile, the peak and the
-- hourly peaks from them.
CREATE OR REPLACE TEMP TABLE minute_loads AS
SELECT
    minute,
    input_tokens / 60.0 / $prefill_tps
        + output_tokens * CAST($verbosity AS DOUBLE) / 60.0 / $decode_tps AS replica_load,
    input_tokens + output_tokens AS tokens
FROM usage
WHERE is_minute AND minute IS NOT NULL
