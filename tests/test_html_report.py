"""The HTML report in headless Chromium (Debian's chromium package, which .ci/run installs),
network blocked: it loads without console errors, every chart has drawn, the scenario totals on
the page are the JSON report's, and a workload named like a script shows as text. A PNG
screenshot is kept in tests/artifacts/."""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from cli.render_html import render
from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from planner.settings import Settings
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
EVIL = "<script>alert(1)</script>"

if not Path(CHROMIUM).exists():
    if os.environ.get("PLAN_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is missing and PLAN_REQUIRE_BROWSER is set (.ci/run)")
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def page_and_report(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("html")
    evil = tmp / "evil.jsonl"
    evil.write_text(json.dumps({
        "timestamp": "2026-10-10T10:00:00Z", "request_id": "evil-1", "workload": EVIL,
        "model": "gpt-4o-mini", "input_tokens": 100, "output_tokens": 10}) + "\n")
    report = analyze([str(ROOT / "sample_logs"), str(evil)],
                     AnalyzeOptions(db=":memory:", settings=Settings(
                         growth=Decimal("0.05"), budget=Decimal("60"))))
    html = tmp / "report.html"
    html.write_text(render(report), encoding="utf-8")
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
        # Any request but the page itself is a fault: the report must need no network.
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith("file://") else route.abort())
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html.as_uri(), wait_until="load")
        result = {
            "totals": page.eval_on_selector_all(
                ".scenario-total", "els => els.map(e => [e.dataset.scenario, e.textContent])"),
            "painted": page.eval_on_selector_all("canvas", """cs => cs.map(c => {
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
                return [c.id, n, c.width * c.height]; })"""),
            "workloads": page.eval_on_selector_all(".workload", "els => els.map(e => e.textContent)"),
            "scripts": page.eval_on_selector_all("script", "els => els.length"),
        }
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        browser.close()
    return result, json.loads(to_json(report)), problems, requests, html


def test_page_loads_with_no_console_errors_and_no_network(page_and_report):
    _, _, problems, requests, html = page_and_report
    assert problems == []
    assert requests == [html.as_uri()]


def test_every_chart_has_drawn(page_and_report):
    result, _, _, _, _ = page_and_report
    ids = [c[0] for c in result["painted"]]
    assert ids == ["chart-scenarios", "chart-workloads", "chart-forecast", "chart-onprem",
                   "chart-routing", "chart-cache"]
    for chart_id, painted, area in result["painted"]:
        assert area > 0 and painted > area // 100, chart_id  # at least 1% of pixels drawn


def test_scenario_totals_equal_the_json_report(page_and_report):
    result, data, _, _, _ = page_and_report
    want = {s["name"]: f"${Decimal(str(s['monthly_cost_usd'])):,.2f}" for s in data["scenarios"]}
    assert dict(result["totals"]) == want


def test_a_workload_named_like_a_script_is_text(page_and_report):
    result, _, problems, _, html = page_and_report
    assert EVIL in result["workloads"]
    assert not any("dialog" in p for p in problems)
    # Three scripts only: Chart.js, the JSON data and the drawing code.
    assert result["scripts"] == 3
    assert EVIL not in html.read_text(encoding="utf-8")


@pytest.mark.parametrize("width", [390, 1400])
def test_phone_and_desktop_widths_show_the_verdict_and_keep_charts_on_screen(page_and_report,
                                                                            width):
    """At 390 px (a phone) and 1400 px: the viewport meta makes the page lay out at the
    device's width, no chart reaches past the right edge, and the verdict is there to read."""
    from playwright.sync_api import sync_playwright

    _, data, _, _, html = page_and_report
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"])
        context = browser.new_context(offline=True, viewport={"width": width, "height": 844},
                                      is_mobile=width < 500, device_scale_factor=1)
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith("file://") else route.abort())
        page = context.new_page()
        page.goto(html.as_uri(), wait_until="load")
        seen = page.evaluate("""() => ({
            verdict: document.querySelector('.verdict').textContent,
            viewport: window.innerWidth,
            page: document.documentElement.scrollWidth,
            height: document.documentElement.scrollHeight,
            charts: [...document.querySelectorAll('canvas')].map(c => {
                const r = c.getBoundingClientRect(); return [c.id, r.left, r.right]; }),
            viewportMeta: !!document.querySelector('meta[name=viewport]')})""")
        page.screenshot(path=str(ARTIFACTS / f"report_{width}.png"), full_page=True)
        browser.close()
    print(f"page at {width}px: {seen['page']} x {seen['height']} px")
    assert seen["viewportMeta"] and seen["viewport"] == width
    assert seen["verdict"] == data["verdict"]
    assert seen["page"] <= width  # nothing makes the page scroll sideways
    for chart_id, left, right in seen["charts"]:
        assert 0 <= left and right <= width, (chart_id, left, right)


def test_the_page_embeds_only_what_its_charts_draw(page_and_report):
    # The chart data is the JSON report's figures, not a copy of the whole report (whose
    # evidence and per-workload curves made a page of 61 real files 1.7 MB): the top 10
    # workloads' all-frontier costs, and the cache curve of all workloads only.
    _, report, _, _, html = page_and_report
    text = html.read_text(encoding="utf-8")
    start = text.index("id='plan-data'>") + len("id='plan-data'>")
    data = json.loads(text[start:text.index("</script>", start)])
    assert sorted(data) == ["budget", "cache_curve", "forecast", "onprem", "routing_curve",
                            "scenarios", "workloads"]
    assert data["workloads"] == [
        {"workload": w["workload"], "label": w["label"],
         "monthly_cost_usd": {"all-frontier": w["monthly_cost_usd"]["all-frontier"]}}
        for w in report["workloads"][:10]]
    assert data["cache_curve"] == [p for p in report["cache_curve"] if p["workload"] == "(all)"]
    assert data["routing_curve"] == report["routing_curve"]
    assert "evidence" not in text[start:text.index("</script>", start)]
