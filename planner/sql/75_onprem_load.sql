-- Stage 75: the load the self-hosted fleet must carry: for every minute, the replicas needed to
-- prefill that minute's input and decode its output for the distilled-routed traffic (stage 50's
-- per-minute sums). The fleet is sized for the busiest minute.
SELECT
    coalesce(max(replica_load), 0) AS peak_replica_load,
    coalesce(arg_max(input_tokens, replica_load), 0) AS peak_input_tokens,
    coalesce(arg_max(output_tokens, replica_load), 0) AS peak_output_tokens,
    arg_max(minute, replica_load) AS peak_minute
FROM (
    SELECT
        minute,
        input_tokens,
        output_tokens,
        input_tokens / 60.0 / $prefill_tps + output_tokens / 60.0 / $decode_tps AS replica_load
    FROM usage
    WHERE is_minute AND minute IS NOT NULL
)
