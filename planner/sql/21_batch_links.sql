-- Stage 21 (after stage 20, OpenAI batch output): each line's custom_id, which scope joins to a
-- batch input file's request body.
INSERT INTO batch_links
SELECT $file_id, line_no, custom_id FROM stage WHERE custom_id IS NOT NULL
