"""Files plan recognises but does not read, refused whole with what to do instead (a one-line
error naming the file and a hint), rather than read as the canonical source and rejected line by
line as 'timestamp: missing'."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from planner.errors import InputError
from planner.stages.readers import Record


def check(path: Path, records: Sequence[Record], unread: Callable[[Record], bool]) -> None:
    """Refuse the file when a sampled record is one of the kinds below; `unread`: no source
    reads the record (a Gemini dump is refused only then)."""
    if any(_lambda_event(r) for r in records):
        raise InputError(
            f"{path}: a CloudWatch Logs subscription event as a Lambda function receives it "
            '({"awslogs": {"data": base64 of gzip}}), read as no source',
            hint="decode it first, e.g. `jq -r .awslogs.data FILE | base64 -d | gunzip`: plan "
            "reads the DATA_MESSAGE it holds (cloudwatch-events); README 'Log sources'")
    if any(_sdk_dump(r) and unread(r) for r in records):
        raise InputError(f"{path}: a Gemini response as the Python SDK dumps it (snake_case "
                         "usage_metadata, not the API's usageMetadata), read as no source",
                         hint=SDK_DUMP_MAP + "; README 'Log sources' (column mapping)")


def _lambda_event(record: Record) -> bool:
    """A Lambda subscription event: its log events are gzipped and base64-encoded in one field,
    which no stage decodes (only a per-event Python pass could: decode it before)."""
    envelope = record.get("awslogs")
    return isinstance(envelope, dict) and isinstance(envelope.get("data"), str)


# The column map that reads such a dump with the API's token accounting (docs/formats.md).
SDK_DUMP_MAP = (
    "read it with --map timestamp=create_time --map request_id=response_id --map "
    "model=model_version --map input_tokens=usage_metadata.prompt_token_count+"
    "usage_metadata.tool_use_prompt_token_count --map cached_input_tokens="
    "'usage_metadata.cached_content_token_count|0' --map output_tokens=usage_metadata."
    "candidates_token_count+usage_metadata.thoughts_token_count --map reasoning_tokens="
    "'usage_metadata.thoughts_token_count|0'")


def _sdk_dump(record: Record) -> bool:
    """google-genai's `response.model_dump()`: the API's response in snake_case."""
    usage = record.get("usage_metadata")
    return isinstance(usage, dict) and "prompt_token_count" in usage
