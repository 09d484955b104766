-- After stage 23, for Langfuse trace downloads (their observations held parsed by
-- 14_split_langfuse.sql, so that nothing of the file is read again): the file's requests whose
-- usage total (usageDetails.total, or the older usage.total) is above their input + output as
-- stored, and by how many tokens in all, added to a grown file's earlier counts
-- ($earlier_requests, $earlier_tokens). plan prices the parts, as Langfuse does (a Vertex AI
-- trace: total 2023, input 5 + output 845, its outputUsage 845: thinking the instrumentation
-- did not report); the report warns of the rest (planner/pipeline.py).
UPDATE files SET
    unaccounted_requests = $earlier_requests + x.requests,
    unaccounted_tokens = $earlier_tokens + x.tokens
FROM (
    SELECT count(*) AS requests, coalesce(sum(u.total - l.input_tokens - l.output_tokens), 0)
        AS tokens
    FROM (
        SELECT line_no, TRY_CAST(coalesce(j.usageDetails, j.usage) ->> '$.total' AS BIGINT)
            AS total
        FROM file_parsed
        WHERE j IS NOT NULL
    ) u
    JOIN lines l ON l.file_id = $file_id AND l.line_no = u.line_no
    WHERE l.problem IS NULL AND l.failure IS NULL
      AND u.total > l.input_tokens + l.output_tokens
) x
WHERE files.file_id = $file_id
