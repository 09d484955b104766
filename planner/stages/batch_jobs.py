"""Detection of batch jobs returned whole by an API, their results inside (not a results file):
which batch output they hold, read by sql/14_split_batch_job.sql (planner/stages/sources.py,
sources `gemini-batch-job` and `batch-job`)."""

from __future__ import annotations

from planner.stages.readers import Record


def job_kind(r: Record) -> str | None:
    """'gemini' for a Gemini API batch operation (batches.get: `response` or `metadata.output`
    holding inlinedResponses or a responsesFile; a running one's GenerateContentBatch
    metadata) or an SDK BatchJob as JSON (`dest`); 'openai' for a Mistral batch job (object
    'batch') or xAI's batch results (`results` with batch_request_id); else None."""
    meta = r.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    results = r.get("results", r.get("batch_results"))
    if any(isinstance(x, dict) and ("inlinedResponses" in x or "responsesFile" in x)
           for x in (r.get("response"), r.get("dest"), meta.get("output"))) \
            or "GenerateContentBatch" in str(meta.get("@type")):
        return "gemini"
    if r.get("object") == "batch" or isinstance(results, list) and any(
            isinstance(x, dict) and "batch_request_id" in x for x in results[:5]):
        return "openai"
    return None
