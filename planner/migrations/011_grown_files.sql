-- Incremental ingest (issue 18): a file that grew since it was read is read on from where the
-- stored read ended (planner/stages/reuse.py). shape_key: how the file was read (the options key
-- without the content); content_fp: the fingerprint of the bytes read (its first size_bytes);
-- reads: how many times its lines were read (1, plus one per growth read); read_after: the
-- lines already stored when the latest read began (0: the whole file was read).
ALTER TABLE files ADD COLUMN shape_key VARCHAR;
ALTER TABLE files ADD COLUMN content_fp VARCHAR;
ALTER TABLE files ADD COLUMN reads INTEGER DEFAULT 1;
ALTER TABLE files ADD COLUMN read_after BIGINT DEFAULT 0;
