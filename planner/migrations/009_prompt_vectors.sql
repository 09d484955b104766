-- Near-repeat cache estimates (issue 22): each sampled text keeps the embedding of its prompt
-- (WordLlama, 256 numbers; planner/stages/embedding.py), not the prompt. Files read before are read
-- again so that their sampled texts get one.
DELETE FROM lines;
DELETE FROM batch_bodies;
DELETE FROM text_features;
DELETE FROM files;
ALTER TABLE text_features ADD COLUMN prompt_vec FLOAT[256];
