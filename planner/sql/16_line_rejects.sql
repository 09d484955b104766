-- Stage 16 (line-by-line path): record the lines stage 15 found were not JSON objects.
INSERT INTO rejects
SELECT $file_id, line_no, NULL, problem, left(line, 120)
FROM numbered
WHERE problem IS NOT NULL
