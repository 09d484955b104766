-- Token counts of the texts plan counted (logs with text and no token counts), keyed by the MD5
-- of the text (planner/stages/tokens.py): a text seen again, in this file or a later one, is not
-- counted again. A count, not the text, is kept.
CREATE TABLE token_counts (text_md5 UHUGEINT, tokens BIGINT);
