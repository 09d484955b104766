-- After a split step (14_split_*.sql), which turns each line read into items (split_items:
-- line_idx, i, line, keep) or leaves it whole (split_lines.has_items false): the records are the
-- items kept and the whole lines, in file order; the items not kept (OTLP spans that are not LLM
-- calls, Langfuse spans and events) are counted in variable plan_skipped, outside `read`; a line
-- whose list of items is empty becomes one rejected record.
SET VARIABLE plan_skipped = (SELECT count(*) FILTER (WHERE NOT coalesce(keep, false))
                             FROM split_items)
;
CREATE OR REPLACE TEMP TABLE split_records AS
SELECT line FROM (
    SELECT line_idx, i, line FROM split_items WHERE keep
    UNION ALL
    SELECT rowid AS line_idx, 0 AS i, line FROM split_lines WHERE NOT coalesce(has_items, false)
    UNION ALL
    -- a container with nothing in it ({"resourceSpans": []}, {"logEvents": []}, ...): one
    -- record, marked (U+FFFF and the reason, as planner/stages/recoded.py marks lines) so that stage 15
    -- rejects it, since a line is never left out
    SELECT l.rowid AS line_idx, 0 AS i,
           chr(65535) || 'nothing to read: its list of records is empty' AS line
    FROM split_lines l
    WHERE coalesce(l.has_items, false)
      AND NOT EXISTS (SELECT 1 FROM split_items s WHERE s.line_idx = l.rowid)
)
ORDER BY line_idx, i
;
-- (the records replace the reader's view of the file)
CREATE OR REPLACE TEMP VIEW raw_lines AS SELECT line FROM split_records
;
DROP TABLE split_lines
;
DROP TABLE split_items
