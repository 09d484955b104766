-- Streaming, for every other source: the records go from the reader through stages 15-20 into
-- `lines` in one pass, unnumbered, and stage 22 numbers them there (a copy of a large file into
-- a table first costs about as much as parsing it).
CREATE OR REPLACE TEMP VIEW file_records AS SELECT NULL::BIGINT AS line_no, line FROM raw_lines
