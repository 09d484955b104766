-- After stage 19 (Langfuse): its `norm` view with the web-search count every norm view carries
-- (migration 016), NULL: Langfuse observations name no server-tool usage key plan knows (a
-- usage key such as web_search_requests is rejected by stage 19 as unknown, never priced 0).
-- A wrapper, so that stage 19 stays as it is; folding the column into 19_norm_langfuse.sql
-- makes it unneeded.
DROP VIEW IF EXISTS norm_langfuse
;
ALTER VIEW norm RENAME TO norm_langfuse
;
CREATE OR REPLACE TEMP VIEW norm AS
SELECT *, NULL::VARCHAR AS web_search_raw FROM norm_langfuse
