-- Reader step for batch jobs as an API returns them whole, with their results inside (not a
-- results file): the Gemini API's batch operation (batches.get: `response.inlinedResponses.
-- inlinedResponses`, the same list in `metadata.output`; a Gemini SDK BatchJob as JSON:
-- `dest.inlinedResponses`), a Mistral batch job got with ?inline=true (`outputs`) and xAI's
-- batch results (GET /v1/batches/{id}/results: `results`, each `batch_result.response.
-- chat_get_completion`). Its records become the results, in file order, each in the shape of
-- a line of the batch output file the vendor's other path gives: Gemini's {key, response,
-- error, timestamp} (13_calls_gemini_batch.sql; its time the job's endTime, else updateTime,
-- createTime: the results carry none) and OpenAI's {id, custom_id, response: {status_code,
-- body}, error} (13_calls_openai_batch.sql: Mistral's outputs are such lines already; an xAI
-- result without a completion is a failed request). A job object without its results (its
-- output in a file, or not finished) becomes one rejected record saying where they are; a
-- line that is not a job stays one record. (14_split_records.sql then makes the records.)
CREATE OR REPLACE TEMP TABLE split_lines AS
SELECT line, items, job_time, results_file, job_state, items IS NOT NULL AS has_items
FROM (
    SELECT
        line,
        CASE
            WHEN doc IS NULL THEN NULL
            WHEN json_type(doc, '$.response.inlinedResponses.inlinedResponses') = 'ARRAY'
                THEN CAST(json_extract(doc, '$.response.inlinedResponses.inlinedResponses')
                          AS JSON[])
            WHEN json_type(doc, '$.metadata.output.inlinedResponses.inlinedResponses') = 'ARRAY'
                THEN CAST(json_extract(doc,
                    '$.metadata.output.inlinedResponses.inlinedResponses') AS JSON[])
            WHEN json_type(doc, '$.dest.inlinedResponses') = 'ARRAY'
                THEN CAST(json_extract(doc, '$.dest.inlinedResponses') AS JSON[])
            WHEN json_type(doc, '$.outputs') = 'ARRAY'
                THEN CAST(json_extract(doc, '$.outputs') AS JSON[])
            WHEN json_type(doc, '$.results') = 'ARRAY'
                THEN CAST(json_extract(doc, '$.results') AS JSON[])
            WHEN json_type(doc, '$.batch_results') = 'ARRAY'
                THEN CAST(json_extract(doc, '$.batch_results') AS JSON[])
            -- a job object without its results: one rejected record (below)
            WHEN json_extract_string(doc, '$.object') = 'batch'
                OR json_type(doc, '$.response.responsesFile') = 'VARCHAR'
                OR json_type(doc, '$.metadata.state') = 'VARCHAR'
                OR json_type(doc, '$.dest') = 'OBJECT'
                THEN CAST(CAST('[]' AS JSON) AS JSON[])
        END AS items,
        -- (as JSON text: the records are written as JSON text below, on both engines)
        CAST(coalesce(json_extract(doc, '$.metadata.endTime'), json_extract(doc, '$.endTime'),
                      json_extract(doc, '$.metadata.updateTime'),
                      json_extract(doc, '$.updateTime'),
                      json_extract(doc, '$.metadata.createTime'),
                      json_extract(doc, '$.createTime')) AS VARCHAR) AS job_time,
        -- where the results of a job without them are
        coalesce(json_extract_string(doc, '$.response.responsesFile'),
                 json_extract_string(doc, '$.dest.fileName'),
                 json_extract_string(doc, '$.output_file'),
                 json_extract_string(doc, '$.output_file_id')) AS results_file,
        coalesce(json_extract_string(doc, '$.metadata.state'),
                 json_extract_string(doc, '$.state'),
                 json_extract_string(doc, '$.status')) AS job_state
    FROM (SELECT line, CASE WHEN json_valid(line) THEN line END AS doc FROM raw_lines)
)
;
CREATE OR REPLACE TEMP TABLE split_items AS
SELECT
    line_idx,
    i,
    -- (each record written as JSON text from the JSON parts it takes: a JSON value inside a
    -- to_json structure would be quoted as text on Spark)
    CASE
        -- Gemini: an inlined response or error (its key, where the request's metadata gave one)
        WHEN json_type(json_extract(e, '$.response.usageMetadata')) = 'OBJECT'
            OR (json_type(json_extract(e, '$.error')) = 'OBJECT'
                AND json_type(json_extract(e, '$.custom_id')) IS NULL
                AND json_type(json_extract(e, '$.batch_request_id')) IS NULL)
            THEN '{"key":' || coalesce(CAST(coalesce(json_extract(e, '$.metadata.key'),
                                                     json_extract(e, '$.key')) AS VARCHAR), 'null')
                || ',"timestamp":' || coalesce(job_time, 'null')
                || ',"response":' || coalesce(CAST(json_extract(e, '$.response') AS VARCHAR), 'null')
                || ',"error":' || coalesce(CAST(json_extract(e, '$.error') AS VARCHAR), 'null')
                || '}'
        -- xAI: the result's chat completion, or its error (a failed request)
        WHEN json_type(json_extract(e, '$.batch_request_id')) IS NOT NULL THEN CASE
            WHEN json_type(json_extract(e, '$.batch_result.response.chat_get_completion'))
                = 'OBJECT'
            THEN '{"id":' || coalesce(CAST(json_extract(e,
                    '$.batch_result.response.chat_get_completion.id') AS VARCHAR), 'null')
                || ',"custom_id":' || CAST(json_extract(e, '$.batch_request_id') AS VARCHAR)
                || ',"response":{"status_code":200,"body":' || CAST(json_extract(e,
                    '$.batch_result.response.chat_get_completion') AS VARCHAR) || '}}'
            ELSE '{"custom_id":' || CAST(json_extract(e, '$.batch_request_id') AS VARCHAR)
                || ',"error":' || CAST(to_json({'message': coalesce(
                    json_extract_string(e, '$.batch_result.error.message'),
                    json_extract_string(e, '$.batch_result.error'),
                    json_extract_string(e, '$.error_message'),
                    'no chat completion in its batch_result')}) AS VARCHAR) || '}'
            END
        ELSE CAST(e AS VARCHAR)  -- Mistral: a batch output line as it is
    END AS line,
    true AS keep
FROM (
    -- (unnest in the select list, as 14_split_cloudwatch.sql does)
    SELECT rowid AS line_idx, job_time, generate_subscripts(items, 1) AS i, unnest(items) AS e
    FROM split_lines
    WHERE has_items
)
UNION ALL
SELECT
    rowid AS line_idx,
    0 AS i,
    chr(65535) || 'a batch job object without its results (state ' || coalesce(job_state, '?')
        || coalesce('; they are in file ' || results_file, '') || '): once it has finished, '
        || 'read its results file (Mistral: or the job got with ?inline=true)' AS line,
    true AS keep
FROM split_lines
WHERE has_items AND len(items) = 0
