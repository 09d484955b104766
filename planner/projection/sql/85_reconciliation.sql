-- Stage 85: what the logs say their requests cost (a gateway's or provider's own figure: LiteLLM
-- spend, OpenRouter usage.cost, Langfuse totalCost) beside plan's as-logged price of the same
-- requests, per logged model id, over the observed window, with what could explain a
-- difference: requests without a price, at a service tier the table does not publish for the
-- model, above a long-context threshold, with cache writes (whose rate depends on their TTL),
-- under a regional or cross-region id, or priced as another entry, or with web searches whose
-- fee the table does not know (as_logged_cost includes the known fees: stage 60), or with a
-- charge the log names beyond the model's inference. planner/projection/provenance.py reads
-- it and words the explanations.
SELECT
    c.model,
    any_value(c.priced_model)                                              AS priced_model,
    sum(c.requests)::BIGINT                                                AS requests,
    sum(c.logged_cost)                                                     AS logged,
    sum(c.as_logged_cost)                                                  AS ours,
    coalesce(sum(c.logged_cost) FILTER (WHERE c.as_logged_cost IS NOT NULL), 0)
                                                                           AS logged_priced,
    coalesce(sum(c.requests) FILTER (WHERE c.as_logged_cost IS NULL), 0)::BIGINT
                                                                           AS unpriced,
    coalesce(sum(c.requests) FILTER (WHERE c.own_tier_unpublished
                                     OR c.service_tier = 'scale'), 0)::BIGINT AS tier_unpublished,
    string_agg(DISTINCT c.service_tier, ', ' ORDER BY c.service_tier)
        FILTER (WHERE c.own_tier_unpublished OR c.service_tier = 'scale') AS tiers,
    coalesce(sum(c.requests) FILTER (WHERE c.own_lc), 0)::BIGINT          AS long_context,
    coalesce(sum(c.cache_write_tokens), 0)::BIGINT                        AS cache_write_tokens,
    coalesce(sum(c.cache_write_1h_tokens), 0)::BIGINT                     AS cache_write_1h_tokens,
    coalesce(sum(c.unpriced_searches), 0)::BIGINT                         AS unpriced_searches,
    -- the logged cost the log says paid for no inference (OpenRouter's plugins, server tools,
    -- advisor calls: migration 019), and on how many requests
    coalesce(sum(c.logged_fee), 0)                                        AS fees,
    coalesce(sum(c.fee_requests), 0)::BIGINT                              AS fee_requests,
    coalesce(regexp_matches(lower(c.model), '^(us|eu|apac|global|jp|au)\.|:inference-profile/'
                            || '|/(us|eu)-|@'), false)                     AS regional
FROM costs c
WHERE c.has_logged_cost
GROUP BY c.model
ORDER BY abs(coalesce(sum(c.as_logged_cost), 0) - sum(c.logged_cost)) DESC, c.model
