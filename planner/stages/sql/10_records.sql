-- Stage 10 (canonical records): the records are the stage itself. (With --map, planner/stages/sources.py
-- builds this view from the mapped paths instead.)
CREATE OR REPLACE TEMP VIEW records AS SELECT * FROM stage
