-- The text hash is one both engines compute alike (issue 21): 60 bits of the MD5 of a line's
-- system prompt and prompt (sql/00_macros.sql plan_text_hash), no longer DuckDB's hash(), which
-- Spark does not compute and which ordered each workload's text sample differently there. The
-- hashes stored with the lines, batch bodies and text features read before are the old ones
-- (the text itself is not kept to hash again): files read before are read again.
DELETE FROM lines;
DELETE FROM batch_bodies;
DELETE FROM text_features;
DELETE FROM files;
