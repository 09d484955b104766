-- A streamed file's lines are numbered just after they are inserted, in the same transaction
-- (sql/22_number.sql), so line_no is briefly NULL. planner/stages/ingest.py checks every line has one.
ALTER TABLE lines ALTER COLUMN line_no DROP NOT NULL;
