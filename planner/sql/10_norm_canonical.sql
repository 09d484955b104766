-- Stage 10 (canonical records): map `records` onto the columns every source shares.
CREATE OR REPLACE TEMP VIEW norm AS
SELECT
    line_no,
    line_problem,
    excerpt,
    request_id,
    "timestamp"                     AS ts_raw,
    workload                        AS workload_field,
    metadata ->> '$.workload'       AS workload_tag,
    model,
    input_tokens                    AS input_raw,
    output_tokens                   AS output_raw,
    cached_input_tokens             AS cached_raw,
    cache_write_tokens              AS cache_write_raw,
    reasoning_tokens                AS reasoning_raw,
    coalesce(task_type, metadata ->> '$.task_type') AS task_type,
    coalesce(team, metadata ->> '$.team')           AS team,
    has_images                      AS images_raw,
    tool_calls                      AS tool_calls_raw,
    NULL::BOOLEAN                   AS defines_tools,
    system_prompt,
    prompt,
    response,
    (system_prompt IS NOT NULL)::INTEGER + (prompt IS NOT NULL)::INTEGER AS n_messages,
    NULL::VARCHAR                   AS failure,
    NULL::VARCHAR                   AS logged_cost_raw,
    service_tier
FROM records
