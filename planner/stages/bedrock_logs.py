"""Detection of AWS Bedrock model-invocation logs (planner/stages/sources.py): a bare record, or
one wrapped in a CloudWatch Logs event or a Logs Insights export row; and a CloudWatch Logs
document of many events that holds them (read by sql/14_split_cloudwatch.sql)."""

from __future__ import annotations

from planner.stages.readers import Record


def _is_dict(value: object) -> bool:
    return isinstance(value, dict)


def holds_invocation_logs(r: Record) -> bool:
    """A CloudWatch Logs document of many events (filter-log-events output, a subscription's
    DATA_MESSAGE) whose first events include a Bedrock invocation record; or Logs Insights
    query results (`aws logs get-query-results`: rows of {field, value} cells, or the cells in
    one list as PowerShell's ConvertTo-Json writes them) whose first @message is one."""
    events = r.get("events", r.get("logEvents"))
    if isinstance(events, list):
        return any(_is_dict(e) and is_invocation_log(e) for e in events[:5])
    rows = r.get("results")
    if not isinstance(rows, list):
        return False
    cells = [c for row in rows[:5] for c in (row if isinstance(row, list) else [row])]
    return any(_is_dict(c) and c.get("field") == "@message"
               and is_invocation_log({"message": c.get("value")}) for c in cells[:50])


def is_invocation_log(r: Record) -> bool:
    """A Bedrock invocation record, bare or as the `message` of a CloudWatch event / the
    `@message` of a Logs Insights export row."""
    wrapped = r.get("@message", r.get("message"))
    return r.get("schemaType") == "ModelInvocationLog" or (
        isinstance(wrapped, str) and '"ModelInvocationLog"' in wrapped)
