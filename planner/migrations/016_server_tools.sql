-- Web searches a request made through a provider's server-side search tool: Anthropic's
-- usage.server_tool_use.web_search_requests (Messages responses, the last message_delta of a
-- stream, batch results, LiteLLM spend logs that keep the usage object; the canonical format's
-- optional `web_search_requests`). Billed per search on top of the tokens (pricing schema 5,
-- `[tools.web_search.PROVIDER]`). NULL where the log cannot say, 0 where it says none; web
-- fetches (usage.server_tool_use.web_fetch_requests) carry no fee and are not kept. Read by
-- stage 12, 10_norm_canonical and 18_norm_litellm, summed by stage 55, priced by stage 60.
-- Files read before are read again, so that their requests carry it. (Not in batch_bodies: a
-- batch input body is a request, and the searches are counted in its response.)
DELETE FROM lines;
DELETE FROM batch_bodies;
DELETE FROM files;
ALTER TABLE lines ADD COLUMN web_search_requests BIGINT;
CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (problem_field, problem, excerpt, failure)
FROM lines WHERE problem IS NULL AND failure IS NULL;
