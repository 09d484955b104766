-- Stage 58: near repeats, for the cache curve (issue 22). Among the requests whose text was
-- sampled (stage 45) and that have a prompt, numbered in time order: for each, the latest
-- earlier request of the same workload whose prompt is the same text or one of its near
-- repeats (near_pairs: prompts whose embeddings' cosine similarity is at least the lowest
-- threshold, filled by planner/stages/nearrepeats.py), within $cache_ttl_seconds. cache_best keeps each
-- request's best similarity inside the TTL (1 for the same text; NULL: no earlier one);
-- cache_curve counts, per workload and threshold, how many requests a cache would answer.
-- cache_pairs keeps up to 8 matched pairs per workload and 0.05 band of similarity, spread by a
-- hash, for `plan cache-pairs` to show with their text read again from the logs.
CREATE OR REPLACE TEMP TABLE cache_requests AS
SELECT workload, text_hash, file_id, line_no, epoch(ts) AS t,
       row_number() OVER (ORDER BY ts, file_id, line_no) AS ord
FROM labelled_requests
WHERE text_sampled AND has_prompt
;
CREATE OR REPLACE TEMP TABLE cache_prev AS
WITH edges AS (
    SELECT workload, a, b, sim FROM near_pairs
    UNION ALL
    SELECT DISTINCT workload, text_hash, text_hash, 1.0 FROM cache_requests
)
SELECT r.workload, r.ord, r.file_id, r.line_no, e.sim, r.t - p.t AS gap,
       p.file_id AS prev_file_id, p.line_no AS prev_line_no
FROM cache_requests r
JOIN edges e ON e.workload = r.workload AND e.a = r.text_hash
ASOF JOIN cache_requests p ON p.workload = r.workload AND p.text_hash = e.b AND r.ord > p.ord
;
CREATE OR REPLACE TEMP TABLE cache_best AS
SELECT any_value(file_id) AS file_id, any_value(line_no) AS line_no, workload, ord,
       max(sim) FILTER (WHERE gap <= CAST($cache_ttl_seconds AS DOUBLE)) AS best
FROM cache_prev GROUP BY workload, ord
;
CREATE OR REPLACE TEMP TABLE cache_curve AS
WITH per_request AS (
    SELECT r.workload, b.best FROM cache_requests r LEFT JOIN cache_best b USING (workload, ord)
)
SELECT workload, th AS threshold, count(*) AS sampled_requests,
       count(*) FILTER (WHERE best >= th) AS hits
FROM per_request CROSS JOIN (SELECT unnest(CAST($thresholds AS DOUBLE[])) AS th)
GROUP BY ALL
;
CREATE OR REPLACE TEMP TABLE cache_pairs AS
SELECT workload, sim, gap, file_id, line_no, prev_file_id, prev_line_no
FROM cache_prev
WHERE sim < 1 AND gap <= CAST($cache_ttl_seconds AS DOUBLE)
QUALIFY row_number() OVER (PARTITION BY workload, floor(sim * 20)
                           ORDER BY hash(file_id, line_no)) <= 8
;
DROP TABLE cache_prev
