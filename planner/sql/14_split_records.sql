-- After a split step (14_split_*.sql), which turns each line read into items (split_items:
-- line_idx, i, line, keep) or leaves it whole (split_lines.has_items false): the records are the
-- items kept and the whole lines, in file order; the items not kept (OTLP spans that are not LLM
-- calls, Langfuse spans and events) are counted in variable plan_skipped, outside `read`.
SET VARIABLE plan_skipped = (SELECT count(*) FILTER (WHERE NOT coalesce(keep, false))
                             FROM split_items)
;
CREATE OR REPLACE TEMP TABLE split_records AS
SELECT line FROM (
    SELECT line_idx, i, line FROM split_items WHERE keep
    UNION ALL
    SELECT rowid AS line_idx, 0 AS i, line FROM split_lines WHERE NOT coalesce(has_items, false)
)
ORDER BY line_idx, i
;
-- (the records replace the reader's view of the file)
CREATE OR REPLACE TEMP VIEW raw_lines AS SELECT line FROM split_records
;
DROP TABLE split_lines
;
DROP TABLE split_items
