-- Stage 75: the load the self-hosted fleet must carry: for every minute, the replicas needed to
-- prefill that minute's input and decode its output for the distilled-routed traffic. The
-- fleet is sized for the busiest minute.
SELECT
    coalesce(max(replica_load), 0) AS peak_replica_load,
    coalesce(arg_max(input_tokens, replica_load), 0) AS peak_input_tokens,
    coalesce(arg_max(output_tokens, replica_load), 0) AS peak_output_tokens,
    arg_max(minute, replica_load) AS peak_minute
FROM (
    SELECT
        date_trunc('minute', ts) AS minute,
        sum(input_tokens) AS input_tokens,
        sum(output_tokens) AS output_tokens,
        sum(input_tokens) / 60.0 / $prefill_tps + sum(output_tokens) / 60.0 / $decode_tps
            AS replica_load
    FROM request_costs
    WHERE route = 'distilled'
    GROUP BY 1
)
