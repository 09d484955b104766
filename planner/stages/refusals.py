"""Files plan recognises but does not read, refused whole with what to do instead (a one-line
error naming the file and a hint), rather than read as the canonical source and rejected line by
line as 'timestamp: missing'."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from planner.errors import InputError
from planner.stages.readers import Record


def check(path: Path, records: Sequence[Record]) -> None:
    """Refuse the file when a sampled record is one of the kinds below. (A Gemini response as
    google-genai's Python SDK dumps it, refused here before, is read: the `gemini-sdk` source.)"""
    if any(_lambda_event(r) for r in records):
        raise InputError(
            f"{path}: a CloudWatch Logs subscription event as a Lambda function receives it "
            '({"awslogs": {"data": base64 of gzip}}), read as no source',
            hint="decode it first, e.g. `jq -r .awslogs.data FILE | base64 -d | gunzip`: plan "
            "reads the DATA_MESSAGE it holds (cloudwatch-events); README 'Log sources'")


def _lambda_event(record: Record) -> bool:
    """A Lambda subscription event: its log events are gzipped and base64-encoded in one field,
    which no stage decodes (only a per-event Python pass could: decode it before)."""
    envelope = record.get("awslogs")
    return isinstance(envelope, dict) and isinstance(envelope.get("data"), str)
