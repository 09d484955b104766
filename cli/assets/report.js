// Draws the six charts of the HTML report (cli/render_html.py) from the report JSON in
// #plan-data, with Chart.js 4 (inlined before this script). No network: nothing is fetched.
(function () {
  const r = JSON.parse(document.getElementById('plan-data').textContent);
  const usd = (v) => '$' + Number(v).toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2});
  const colours = {'as-logged': '#888888', 'all-frontier': '#a0148c', 'routed': '#137a3a', 'on-prem': '#1f77b4'};
  const base = {animation: false, responsive: true, maintainAspectRatio: false,
                plugins: {tooltip: {callbacks: {label: (c) => c.dataset.label + ': ' + usd(c.parsed.y ?? c.parsed.x)}}}};
  const money = {ticks: {callback: (v) => usd(v)}};
  // Horizontal bars, on a log scale when one scenario dwarfs the others (data-scale, set by
  // cli/render_html.py): on-prem at 50x routed must not flatten the bars finance compares.
  const scenarioCanvas = document.getElementById('chart-scenarios');
  const logScale = scenarioCanvas.dataset.scale === 'log';
  new Chart(scenarioCanvas, {type: 'bar', options: {...base, indexAxis: 'y',
      // (on a log scale, labels at powers of ten only: 2, 3, 5 and 7 of each decade overlapped)
      scales: {x: logScale ? {type: 'logarithmic', ticks: {autoSkip: true, callback: (v) =>
        Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? usd(v) : ''}}
        : {...money, type: 'linear'}},
      plugins: {...base.plugins, legend: {display: false}, tooltip: {callbacks: {
        label: (c) => usd(c.parsed.x)}}}},
    data: {labels: r.scenarios.map((s) => s.name), datasets: [{label: 'monthly cost',
      data: r.scenarios.map((s) => s.monthly_cost_usd),
      backgroundColor: r.scenarios.map((s) => colours[s.name] || '#555')}]}});
  const labels = ['capability-bound', 'cost-bound'];
  const workloadCanvas = document.getElementById('chart-workloads');
  const top = r.workloads.slice(0, Number(workloadCanvas.dataset.top || 10));
  new Chart(workloadCanvas, {type: 'bar',
    options: {...base, indexAxis: 'y', scales: {y: {stacked: true}, x: {...money, stacked: true}},
      plugins: {...base.plugins, tooltip: {callbacks: {label: (c) => c.dataset.label + ': ' +
        usd(c.parsed.x)}}}},
    data: {labels: top.map((w) => w.workload), datasets: labels.map((l) => ({label: l,
      backgroundColor: l === 'capability-bound' ? '#a0148c' : '#137a3a',
      data: top.map((w) => w.label === l ? w.monthly_cost_usd['all-frontier'] : 0)}))}});
  const forecastCanvas = document.getElementById('chart-forecast');
  if (forecastCanvas) drawForecast(forecastCanvas);
  function drawForecast(canvas) {
  const names = Object.keys(r.forecast[0].costs_usd);
  const forecast = names.map((n) => ({label: n, borderColor: colours[n], backgroundColor: colours[n],
    data: r.forecast.map((f) => f.costs_usd[n])}));
  if (r.budget) {
    forecast.push({label: 'budget', borderDash: [6, 4], borderColor: '#d62728', pointRadius: 0,
                   data: r.forecast.map(() => r.budget.usd)});
  }
  new Chart(canvas, {type: 'line', options: {...base, scales: {y: money}},
    data: {labels: r.forecast.map((f) => 'month ' + f.month), datasets: forecast}});
  }
  const curve = r.onprem.curve;
  const onprem = [
    {label: 'on-prem (fleet + API it still sends)', borderColor: colours['on-prem'],
     data: curve.map((p) => ({x: p.monthly_tokens, y: p.onprem_usd}))},
    {label: 'routed to the distilled API', borderColor: colours['routed'],
     data: curve.map((p) => ({x: p.monthly_tokens, y: p.routed_usd}))}];
  if (r.onprem.breakeven_monthly_tokens !== null) {
    const be = r.onprem.breakeven_monthly_tokens;
    const near = curve.reduce((a, p) => Math.abs(p.monthly_tokens - be) < Math.abs(a.monthly_tokens - be) ? p : a, curve[0]);
    onprem.push({label: 'break-even', type: 'scatter', pointRadius: 6, backgroundColor: '#d62728',
                 data: [{x: be, y: near.routed_usd * be / near.monthly_tokens}]});
  }
  new Chart(document.getElementById('chart-onprem'), {type: 'line', options: {...base,
      parsing: false, scales: {x: {type: 'logarithmic', title: {display: true, text: 'tokens a month'}},
                               y: money}},
    data: {datasets: onprem}});
  // The routing curve: most confidently cost-bound first; the routed scenario's point marked.
  const pts = r.routing_curve.map((p) => ({x: 100 * p.distilled_share, y: p.monthly_cost_usd}));
  const marked = r.routing_curve.filter((p) => p.marked)
    .map((p) => ({x: 100 * p.distilled_share, y: p.monthly_cost_usd}));
  new Chart(document.getElementById('chart-routing'), {type: 'line', options: {...base,
      parsing: false, plugins: {tooltip: {callbacks: {label: (c) => c.parsed.x.toFixed(1) +
        '% to distilled: ' + usd(c.parsed.y)}}},
      scales: {x: {type: 'linear', min: 0, max: 100,
                   title: {display: true, text: '% of requests sent to the distilled model'}},
               y: money}},
    data: {datasets: [
      {label: 'monthly cost', borderColor: colours['routed'], backgroundColor: colours['routed'],
       data: pts},
      {label: 'routed scenario', type: 'scatter', pointRadius: 7, backgroundColor: '#d62728',
       data: marked}]}});
  // The cache curve, all workloads: share of requests answered from cache at each threshold.
  const cache = r.cache_curve.filter((p) => p.workload === '(all)');
  new Chart(document.getElementById('chart-cache'), {type: 'bar', options: {...base,
      plugins: {legend: {display: false}, tooltip: {callbacks: {label: (c) =>
        (100 * c.parsed.y).toFixed(1) + '% of requests, saves ' + usd(cache[c.dataIndex].monthly_saved_usd) + ' a month'}}},
      scales: {y: {min: 0, max: 1, ticks: {callback: (v) => (100 * v).toFixed(0) + '%'},
                   title: {display: true, text: 'requests answered from cache'}}}},
    data: {labels: cache.map((p) => p.threshold >= 1 ? 'same prompt' : 'similarity ' + p.threshold),
           datasets: [{label: 'hit share', backgroundColor: '#1f77b4', data: cache.map((p) => p.hit_share)}]}});
})();
