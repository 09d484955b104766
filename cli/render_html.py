"""The HTML report: one self-contained file (no CDN, no network: the charting library is inlined
and a Content-Security-Policy forbids every fetch) that finance can open offline and forward.

Charts are drawn by Chart.js 4 (cli/assets, MIT) from the report's numbers, embedded as JSON;
every string from the logs (workloads, teams, models, file names) reaches the page either
through html.escape or as JSON data drawn on a canvas, never as markup.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from importlib.resources import files
from typing import Any

from cli import layout, render_money
from cli.render_money import effects_html, reconciliation_html, saving
from planner.outputs.formats import to_json
from planner.report import Report, Workload
from planner.wording import count

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data:")
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:2em}
.verdict{font-size:1.1em}.meta{color:#666}p,li,h1,h2,summary,figcaption{overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;margin:.5em 0;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}
tr.sum td{font-weight:600;border-top:2px solid #999}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:1.5em}
figure{margin:0;min-width:0}.chart{position:relative;height:320px}
.cap{color:#a0148c}.cost{color:#137a3a}.cap,.cost{white-space:nowrap}
"""
TOP = 10  # workloads shown in the table and chart; the rest are summed in one row
LOG_SPREAD = 10  # the scenario chart goes logarithmic when the largest is 10x the smallest


def render(report: Report, top: int = TOP) -> str:
    data = json.loads(to_json(report))
    w = report.window
    log = _log_scale(report)
    grows = bool(report.forecast) and (report.budget is not None or report.forecast[0].costs_usd
                                       != report.forecast[-1].costs_usd)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
        "<title>plan: monthly LLM spend</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>plan: monthly LLM spend</h1>",
        f"<p class='verdict'><strong>{_e(report.verdict)}</strong></p>",
        f"<p class='meta'>Logs from {_e(w.start)} to {_e(w.end)} ({_e(w.span)}), "
        f"pricing {_e(report.pricing_version)}. Money is USD a month (the observed window "
        "projected to an average month); tokens and requests are the window's.</p>",
        _scenarios(report), effects_html(report),
        "<div class='charts'>",
        _canvas("chart-scenarios", "Monthly cost by scenario, USD"
                + (" (log scale: the largest is many times the smallest)" if log else ""),
                {"scale": "log" if log else "linear"}),
        _canvas("chart-workloads", f"Top {min(top, len(report.workloads))} workloads: "
                "all-frontier cost a month, USD, by label", {"top": str(top)}),
        _canvas("chart-forecast", "Monthly forecast by scenario, USD") if grows else "",
        _canvas("chart-onprem", "On-prem against routed API cost, by monthly volume"),
        _canvas("chart-routing", "Routing curve: monthly cost by share sent to the distilled "
                "model (before the cache)"),
        _canvas("chart-cache", "Cache curve: requests a semantic cache would answer, by "
                "similarity threshold (an estimate below 'same prompt')"),
        "</div>",
        _workloads(report, top), _curve(report), _cache(report), _onprem(report),
        _forecast(report) if grows else "",
        _sensitivity(report),
        _ingest(report), reconciliation_html(report), _assumptions(report),
        "<script>", _asset("chart.umd.min.js"), "</script>",
        "<script type='application/json' id='plan-data'>", _json_for_script(_charted(data, top)),
        "</script>",
        "<script>", _asset("report.js"), "</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _charted(data: dict[str, Any], top: int) -> dict[str, Any]:
    """What cli/assets/report.js draws, and only that: the whole report JSON, every workload's
    evidence and every per-workload cache curve, made a page of 61 real files 1.7 MB (the JSON
    report and the tables carry the rest)."""
    return {
        "scenarios": [{k: s[k] for k in ("name", "monthly_cost_usd")} for s in data["scenarios"]],
        "workloads": [{"workload": w["workload"], "label": w["label"], "monthly_cost_usd":
                       {"all-frontier": w["monthly_cost_usd"]["all-frontier"]}}
                      for w in data["workloads"][:top]],
        "forecast": data["forecast"], "budget": data["budget"], "onprem": {
            k: data["onprem"][k] for k in ("curve", "breakeven_monthly_tokens")},
        "routing_curve": data["routing_curve"],
        "cache_curve": [p for p in data["cache_curve"] if p["workload"] == "(all)"],
    }


def _e(value: object) -> str:
    return escape(str(value), quote=True)


_usd = layout.usd  # "-$1.20", never "$-1.20"


def _json_for_script(data: Any) -> str:
    # Inside <script>, "</script>" or "<!--" in a log string must not end the element.
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    return files("cli").joinpath(f"assets/{name}").read_text(encoding="utf-8")


def _log_scale(report: Report) -> bool:
    costs = [s.monthly_cost_usd for s in report.scenarios if s.monthly_cost_usd > 0]
    return bool(costs) and max(costs) >= LOG_SPREAD * min(costs)


def _canvas(chart_id: str, title: str, data: dict[str, str] | None = None) -> str:
    attrs = "".join(f" data-{k}='{_e(v)}'" for k, v in (data or {}).items())
    return (f"<figure><figcaption>{_e(title)}</figcaption><div class='chart'>"
            f"<canvas id='{chart_id}' role='img' aria-label='{_e(title)}'{attrs}></canvas>"
            "</div></figure>")


def _table(headers: list[str], rows: list[list[str]], numeric: set[int],
           sums: list[list[str]] | None = None) -> str:
    head = "".join(f"<th class='{'num' if i in numeric else ''}'>{_e(h)}</th>"
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td class='{'num' if i in numeric else ''}'>{cell}</td>"
                         for i, cell in enumerate(row)) + "</tr>" for row in rows)
    sums = sums or []
    foot = "".join(
        "<tr class='sum'>" + "".join(f"<td class='{'num' if i in numeric else ''}'>{cell}</td>"
                                     for i, cell in enumerate(row)) + "</tr>" for row in sums)
    return (f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            + (f"<tfoot>{foot}</tfoot>" if foot else "") + "</table></div>")


def _pct(p: Decimal | None) -> str:
    return saving(p)


def _scenarios(report: Report) -> str:
    fees = report.server_tool_fees  # web searches: a column of their own, in every total
    fee = [_usd(fees.monthly_usd)] if fees else []
    rows = [[_e(s.name), f"<span class='scenario-total' data-scenario='{_e(s.name)}'>"
             f"{_usd(s.monthly_cost_usd)}</span>", *fee, _pct(s.savings_vs_as_logged_pct),
             _pct(s.savings_vs_all_frontier_pct)] for s in report.scenarios]
    head = ["scenario", "monthly cost", *(["of which searches"] if fees else []),
            "vs as-logged", "vs all-frontier"]
    return "<h2>Scenarios</h2>" + _table(head, rows, set(range(1, len(head))))


def _curve(report: Report) -> str:
    if not report.routing_curve:
        return ""
    rows = [[f"{p.min_score:.2f}", f"{p.distilled_share:.1%}" + (" (routed)" if p.marked else ""),
             f"{p.on_default_share:.1%}", _usd(p.monthly_cost_usd),
             _pct(p.savings_vs_as_logged_pct), _pct(p.savings_vs_all_frontier_pct)]
            for p in report.routing_curve]
    return ("<h2>Routing curve</h2><p>Requests go to the distilled model most confidently "
            "cost-bound first (score from 1 down to 0), before the semantic cache.</p>"
            + _table(["min score", "to distilled", "default label", "monthly cost", "vs as-logged",
                      "vs all-frontier"], rows, {0, 1, 2, 3, 4, 5}))


def _cache(report: Report) -> str:
    if not report.cache_curve:
        return ""
    # All workloads first, then each workload with a hit at some threshold (a page of 252
    # workloads had 1,008 rows of zeros); the JSON report and `--format csv` have every one.
    hit = {p.workload for p in report.cache_curve if p.hits}
    shown = sorted((p for p in report.cache_curve if p.workload == "(all)" or p.workload in hit),
                   key=lambda p: p.workload != "(all)")
    rows = [[_e(p.workload), "same prompt" if p.threshold >= 1 else f"{p.threshold}",
             f"{p.hits:,} of {p.sampled_requests:,}", f"{p.hit_share:.1%}",
             f"{p.monthly_hits:,}", _usd(p.monthly_saved_usd)] for p in shown]
    left = len({p.workload for p in report.cache_curve} - hit - {"(all)"})
    note = (f"<p class=meta>{count(left, 'workload')} with no hit at any threshold "
            f"{'is' if left == 1 else 'are'} not listed (the JSON report has every "
            "workload).</p>" if left else "")
    return ("<h2>Cache curve</h2><p>Requests a semantic cache would answer within its TTL: the "
            "same prompt, or a prompt at least this similar (cosine of their embeddings). "
            "Similarity hits are an estimate: the logs cannot show whether the cached answer "
            "would have been right. <code>plan cache-pairs LOGS WORKLOAD</code> shows matched "
            "pairs to judge.</p>"
            + _table(["workload", "threshold", "hits (sampled)", "hit share", "hits a month",
                      "saves a month"], rows, {2, 3, 4, 5}) + note)


_MONEY = ("as-logged", "all-frontier", "routed", "on-prem")


def _workloads(report: Report, top: int) -> str:
    """The top workloads by all-frontier cost, the rest summed in one row, and the total; every
    workload in a folded list below."""
    def row(w: Workload) -> list[str]:
        return [f"<span class='workload'>{_e(w.workload)}</span>",
                f"<span class='{'cap' if w.label == 'capability-bound' else 'cost'}'>"
                f"{_e(w.label)}</span>", f"{w.requests:,}", f"{w.input_tokens:,}",
                f"{w.output_tokens:,}", *(_usd(w.monthly_cost_usd[n]) for n in _MONEY),
                _signed(w.monthly_cost_usd["routed"] - w.monthly_cost_usd["as-logged"])]

    def summed(name: str, ws: Sequence[Workload]) -> list[str]:
        money = {n: sum((w.monthly_cost_usd[n] for w in ws), Decimal(0)) for n in _MONEY}
        return [name, "", f"{sum(w.requests for w in ws):,}",
                f"{sum(w.input_tokens for w in ws):,}", f"{sum(w.output_tokens for w in ws):,}",
                *(_usd(money[n]) for n in _MONEY), _signed(money["routed"] - money["as-logged"])]

    headers = ["workload", "label", "requests", "input tokens", "output tokens", *_MONEY,
               "routed change"]
    numeric = set(range(2, 10))
    shown, rest = report.workloads[:top], report.workloads[top:]
    sums = ([summed(count(len(rest), "more workload"), rest)] if rest else []) + [
        summed("total", report.workloads)]
    why = "".join(f"<li><b>{_e(w.workload)}</b>: {_e('; '.join(w.reasons))}</li>"
                  for w in report.workloads)
    every = (f"<details><summary>All {len(report.workloads)} workloads</summary>"
             + _table(headers, [row(w) for w in report.workloads], numeric) + "</details>"
             if rest else "")
    return ("<h2>Workloads</h2><p class=meta>Requests and tokens in the window; costs in USD a "
            "month; routed change: routed minus as-logged (negative: routing saves).</p>"
            + _table(headers, [row(w) for w in shown], numeric, sums)
            + every + f"<details><summary>Why each label</summary><ul>{why}</ul></details>")


def _signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "-" if amount < 0 else "") + _usd(abs(amount))


def _onprem(report: Report) -> str:
    o = report.onprem
    breakeven = (f"{o.breakeven_monthly_tokens:,} tokens a month"
                 if o.breakeven_monthly_tokens is not None else "never (a replica costs more "
                 "than the API traffic it can carry)")
    rows = [["mode", _e(o.mode)], ["model / GPU", f"{_e(o.model)} on {_e(o.gpu)}"],
            ["GPUs (replicas)", f"{o.gpus} ({o.replicas})"],
            ["fleet cost", _usd(o.monthly_fleet_cost_usd)],
            ["traffic served", f"{o.monthly_tokens:,} tokens a month"],
            ["utilisation", f"{o.utilization:.1%}"],
            ["idle cost share", f"{o.idle_cost_share:.1%}"], ["break-even", breakeven]]
    return "<h2>On-prem</h2>" + _table(["", ""], rows, set())


def _forecast(report: Report) -> str:
    if not report.forecast:
        return ""
    names = list(report.forecast[0].costs_usd)
    rows = [[str(f.month), *(_usd(f.costs_usd[n]) for n in names)] for f in report.forecast]
    note = ""
    if report.budget:
        firsts = ", ".join(f"{_e(n)}: {'month ' + str(m) if m else 'never'}"
                           for n, m in report.budget.first_month_over.items())
        note = f"<p>Budget {_usd(report.budget.usd)} a month, first exceeded: {firsts}.</p>"
    return "<h2>Forecast</h2>" + _table(["month", *names], rows,
                                        set(range(1, len(names) + 1))) + note


def _sensitivity(report: Report) -> str:
    rows = [[_e(s.assumption), _e(s.low), _e(s.base), _e(s.high),
             render_money.changes(s.routed_savings_pct),
             render_money.changes(s.onprem_savings_pct)]
            for s in report.sensitivity]
    return (f"<h2>{_e(render_money.SENSITIVITY_TITLE)}</h2>"
            + _table(["assumption", "low", "base", "high", "routed", "on-prem"], rows,
                     {1, 2, 3, 4, 5}))


def _ingest(report: Report) -> str:
    i = report.ingest
    rows = [[_e(f.path), _e(f.source), f"{f.read:,}", f"{f.accepted:,}", f"{f.rejected:,}",
             f"{f.duplicates:,}", f"{f.failed:,}"] for f in i.files]
    rows.append(["<b>total</b>", "", f"{i.read:,}", f"{i.accepted:,}", f"{i.rejected:,}",
                 f"{i.duplicates:,}", f"{i.failed:,}"])
    reasons = "".join(f"<li>x{r.count:,} {_e(r.first)}: {_e(r.describe())}</li>"
                      for r in (*i.reject_reasons, *i.failure_reasons))
    outside = (f" + {i.outside:,} outside --since/--until" if i.outside else "")
    return (f"<h2>Ingest: {i.read:,} lines read = {i.accepted:,} accepted + {i.rejected:,} "
            f"rejected + {i.duplicates:,} duplicates + {i.failed:,} failed{outside}</h2>"
            + _table(["file", "read as", "read", "accepted", "rejected", "duplicates",
                      "failed"], rows, {2, 3, 4, 5, 6})
            + (f"<ul>{reasons}</ul>" if reasons else ""))


def _assumptions(report: Report) -> str:
    rows = [[_e(a.name), _e(a.value), _e(a.source)] for a in report.assumptions]
    warnings = "".join(f"<li>{_e(w)}</li>" for w in report.warnings)
    return ("<h2>Assumptions</h2>" + _table(["assumption", "value", "source"], rows, set())
            + (f"<h2>Warnings</h2><ul>{warnings}</ul>" if warnings else ""))
