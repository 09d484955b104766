-- After stage 23, for Langfuse observations (exports and trace downloads): the file's requests
-- whose usage total (usageDetails.total, or the older usage.total) is above their input +
-- output (and web searches, which Langfuse's total counts) as stored, and by how many tokens in
-- all: stage 20 keeps each request's excess in lines.usage_excess (migration 018), so nothing
-- of the file is read again, and a grown file's earlier lines, kept under its id, are counted
-- with the new ones. plan prices the parts, as Langfuse does (a Vertex AI trace: total 2023,
-- input 5 + output 845, its outputUsage 845: thinking the instrumentation did not report); the
-- report warns of the rest (planner/pipeline.py). (Spark counts the same column:
-- planner/stages/spark/read.py.)
UPDATE files SET
    unaccounted_requests = x.requests,
    unaccounted_tokens = x.tokens
FROM (
    SELECT count(usage_excess) AS requests, coalesce(sum(usage_excess), 0) AS tokens
    FROM lines
    WHERE file_id = $file_id AND problem IS NULL AND failure IS NULL
) x
WHERE files.file_id = $file_id
