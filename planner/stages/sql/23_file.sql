-- Stage 23: record file $file_id (read into `lines`, and `batch_bodies` for a batch input file)
-- with its counts, in the transaction that stored its lines: `lines_read` = `accepted` +
-- `rejected` + `failed`, by construction, over all its lines (a grown file's earlier ones
-- too: its row is replaced). The path, size, mtime, parser version and keys say when the read
-- can be reused instead of repeated, or read on from where it ended (planner/stages/reuse.py).
DELETE FROM files WHERE file_id = $file_id
;
INSERT INTO files (file_id, path, size_bytes, mtime_ns, parser_version, source, lines_read,
                   accepted, rejected, failed, options_key, skipped, bodies, shape_key,
                   content_fp, reads, read_after)
SELECT
    $file_id, $path, $size_bytes, $mtime_ns, $parser_version, $source,
    count(*),
    count(*) - count(problem) - count(failure),
    count(problem),
    count(failure),
    $options_key, $skipped,
    (SELECT count(*) FROM batch_bodies WHERE file_id = $file_id),
    $shape_key, $content_fp, $reads, $read_after
FROM lines
WHERE file_id = $file_id
