// sloguard dashboard: reads /api/observability/* with the dashboard key kept
// in sessionStorage (never in a URL or a cookie) and renders the SLO report,
// the latency of recent requests and the firing alerts. No framework, no
// build step: every value is written with textContent, never as HTML.
(function () {
  'use strict';

  const KEY_STORE = 'sloguard.dashKey';
  const POLL_MS = 10000;
  const API = {
    report: 'api/observability/slo',
    check: 'api/observability/slo/check',
    // No window: the server's default, 24h or the longest SLO window when
    // that is shorter (the server keeps no more history and refuses more).
    latency: 'api/observability/latency',
  };

  const $ = (id) => document.getElementById(id);
  const el = {
    keyPanel: $('key-panel'), keyForm: $('key-form'), keyInput: $('key-input'), keyError: $('key-error'),
    obs: $('observability'), error: $('error'), forget: $('forget-key'),
    service: $('service'), ts: $('report-ts'), source: $('source'), overall: $('overall-status'),
    breaches: $('breaches'), reportError: $('report-error'), noReport: $('no-report'), slos: $('slos'),
    runCheck: $('run-check'), viewP95: $('view-p95'),
    spark: $('sparkline'), sparkLine: $('spark-line'), sparkArea: $('spark-area'), sparkLast: $('spark-last'),
    sparkThreshold: $('spark-threshold'), sparkMax: $('spark-max'), sparkThresholdLabel: $('spark-threshold-label'),
    sparkLastValue: $('spark-last-value'), sparkEmpty: $('spark-empty'),
    stats: $('latency-stats'), p50: $('latency-p50'), p95: $('latency-p95'), p99: $('latency-p99'),
    count: $('latency-count'), window: $('latency-window'), route: $('latency-route'),
    alerts: $('alerts'), alertsCount: $('alerts-count'), noAlerts: $('no-alerts'),
    statusLine: $('status-line'), template: $('slo-template'),
  };

  // ---- formatting: the tests format the API's numbers the same way ----

  const DASH = '\u2014';
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const fmtPct = (v, digits) => (isNum(v) ? v.toFixed(digits) + '%' : DASH);
  function fmtMS(v) {
    if (!isNum(v)) return DASH;
    if (v < 10) return v.toFixed(2) + ' ms';
    if (v < 1000) return v.toFixed(1) + ' ms';
    return (v / 1000).toFixed(2) + ' s';
  }
  function fmtCount(v) {
    if (!isNum(v)) return DASH;
    const s = Number.isInteger(v) ? String(v) : v.toFixed(1);
    const [int, frac] = s.split('.');
    const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return frac === undefined ? grouped : grouped + '.' + frac;
  }
  const fmtBurn = (v) => (isNum(v) ? v.toFixed(2) + '\u00d7' : DASH);
  function fmtHours(h, exhausted) {
    if (exhausted) return 'exhausted';
    if (!isNum(h)) return 'not within the window';
    if (h < 48) return h.toFixed(1) + ' h';
    return (h / 24).toFixed(1) + ' d';
  }
  function fmtTime(iso) {
    if (!iso) return DASH;
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return DASH;
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
  const statusLabel = (s) => String(s || 'NONE').replace(/_/g, ' ');

  // windowSeconds orders burn-rate windows ("5m" < "1h" < "30d").
  function windowSeconds(name) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(name);
    if (!m) return Number.MAX_VALUE;
    const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2]];
    return parseFloat(m[1]) * unit;
  }

  // setField writes the shown text and, in data-value, the raw value.
  function setField(node, text, raw) {
    node.textContent = text;
    if (raw === undefined || raw === null) node.removeAttribute('data-value');
    else node.setAttribute('data-value', String(raw));
  }

  function setBadge(node, status) {
    node.className = 'badge status-' + (status || 'NONE');
    setField(node, statusLabel(status), status);
  }

  // ---- the key ----

  let memKey = null; // when sessionStorage is unavailable
  function getKey() {
    try { return sessionStorage.getItem(KEY_STORE) || memKey; } catch (e) { return memKey; }
  }
  function setKey(k) {
    memKey = k;
    try { sessionStorage.setItem(KEY_STORE, k); memKey = null; } catch (e) { /* kept in memory */ }
  }
  function clearKey() {
    memKey = null;
    try { sessionStorage.removeItem(KEY_STORE); } catch (e) { /* nothing stored */ }
  }

  // takeKeyFromFragment moves a #key=... link's key into sessionStorage and
  // removes the fragment from the address bar and the history entry.
  function takeKeyFromFragment() {
    if (!location.hash || location.hash.length < 2) return;
    const params = new URLSearchParams(location.hash.slice(1));
    if (!params.has('key')) return;
    const key = params.get('key');
    history.replaceState(history.state, '', location.pathname + location.search);
    if (key) setKey(key);
  }

  class AuthError extends Error {}

  async function api(path, method) {
    const key = getKey();
    if (!key) {
      if (document.body.dataset.state !== 'locked') lock('');
      throw new AuthError('no key');
    }
    let res;
    try {
      res = await fetch(path, {
        method: method || 'GET',
        headers: { 'X-Dash-Key': key, Accept: 'application/json' },
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error',
      });
    } catch (e) {
      throw new Error('cannot reach the server (' + e.message + ')');
    }
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    const msg = body && typeof body.error === 'string' ? body.error : res.statusText;
    if (res.status === 401) {
      clearKey();
      lock('The key was refused: ' + msg + '. Enter the dashboard key again.');
      throw new AuthError(msg);
    }
    if (res.status === 429) {
      const retry = res.headers.get('Retry-After');
      throw new Error('Too many failed key attempts from this address' + (retry ? '; retry in ' + retry + ' s' : '') + '.');
    }
    if (!res.ok) {
      const err = new Error(msg + ' (HTTP ' + res.status + ')');
      err.status = res.status;
      throw err;
    }
    return body;
  }

  // ---- page states ----

  let pollTimer = null;
  let generation = 0; // bumps on lock, so answers to a locked session are dropped
  let statsShown = false;
  let currentTS = 0;
  let latencyThreshold = null;

  function lock(message) {
    generation++;
    stopPolling();
    document.body.dataset.state = 'locked';
    el.obs.hidden = true;
    el.forget.hidden = true;
    el.error.hidden = true;
    el.keyPanel.hidden = false;
    el.keyError.textContent = message || '';
    el.keyError.hidden = !message;
    el.keyInput.value = '';
    el.keyInput.focus();
    // Nothing read with a refused key stays on screen.
    currentTS = 0;
    el.overall.hidden = true;
    el.source.hidden = true;
    el.service.textContent = '';
    el.ts.textContent = '';
    el.slos.replaceChildren();
  }

  async function unlock() {
    const gen = ++generation;
    document.body.dataset.state = 'loading';
    el.keyPanel.hidden = true;
    el.obs.hidden = false;
    el.forget.hidden = false;
    try {
      await refresh(gen);
    } catch (e) {
      if (!(e instanceof AuthError)) showError(e);
    }
    if (gen !== generation) return;
    document.body.dataset.state = 'ready';
    schedulePoll(gen);
  }

  function showError(e) {
    el.error.textContent = e && e.message ? e.message : String(e);
    el.error.hidden = false;
  }
  function clearError() {
    el.error.hidden = true;
    el.error.textContent = '';
  }

  function stopPolling() {
    if (pollTimer !== null) clearTimeout(pollTimer);
    pollTimer = null;
  }

  function schedulePoll(gen) {
    stopPolling();
    pollTimer = setTimeout(async () => {
      if (gen !== generation) return;
      try {
        if (!document.hidden) await refresh(gen);
      } catch (e) {
        if (e instanceof AuthError) return;
        showError(e);
      }
      if (gen === generation) schedulePoll(gen);
    }, POLL_MS);
  }

  // refresh reads the latest report, then the recent latencies: one after
  // the other, so a refused key costs one failed attempt, not two.
  async function refresh(gen) {
    await loadReport(gen);
    await loadLatency(gen);
    clearError();
    el.statusLine.textContent = 'Updated ' + new Date().toLocaleTimeString();
  }

  async function loadReport(gen) {
    let report;
    try {
      report = await api(API.report);
    } catch (e) {
      if (e.status === 503) {
        if (gen === generation && currentTS === 0) el.noReport.hidden = false;
        return;
      }
      throw e;
    }
    if (gen === generation) renderReport(report, false);
  }

  async function loadLatency(gen) {
    const sum = await api(API.latency);
    if (gen !== generation) return;
    renderSparkline(sum.recent_60 || []);
    if (statsShown) renderStats(sum);
  }

  // ---- rendering ----

  function renderReport(report, force) {
    const ts = Date.parse(report.ts) || 0;
    // An answer to a poll sent before a check must not hide the check's report.
    if (!force && ts < currentTS) return;
    currentTS = ts;
    el.noReport.hidden = true;
    setField(el.service, report.service || '', report.service);
    setField(el.ts, 'evaluated ' + fmtTime(report.ts), report.ts);
    el.source.hidden = !report.source;
    setField(el.source, report.source || '', report.source);
    setBadge(el.overall, report.overall_status);
    el.overall.hidden = false;

    const breaches = report.breaches || [];
    el.breaches.textContent = breaches.length ? 'Breached: ' + breaches.join(', ') : 'No SLO breached.';
    el.reportError.hidden = !report.error;
    el.reportError.textContent = report.error ? 'The SLI source could not be read: ' + report.error : '';

    const slos = report.slos || {};
    const names = Object.keys(slos).sort();
    latencyThreshold = null;
    const cards = names.map((name) => {
      const s = slos[name];
      if (s.kind === 'latency' && latencyThreshold === null && isNum(s.threshold_ms)) latencyThreshold = s.threshold_ms;
      return renderSLO(name, s);
    });
    el.slos.replaceChildren(...cards);
    renderAlerts(report.firing || []);
  }

  function renderSLO(name, s) {
    const card = el.template.content.firstElementChild.cloneNode(true);
    card.dataset.slo = name;
    const f = (field) => card.querySelector('[data-field="' + field + '"]');
    const b = s.error_budget || {};

    setField(f('name'), name, name);
    setField(f('kind'), s.kind + ' \u00b7 ' + fmtWindowDays(s.window_days), s.kind);
    setField(f('description'), s.description || '', s.description);
    f('description').hidden = !s.description;
    setBadge(f('status'), s.status);
    card.classList.add('slo-' + (s.status || 'NONE'));

    setField(f('budget-remaining'), fmtPct(b.remaining_pct, 2), b.remaining_pct);
    const bar = f('budget-bar');
    const rem = isNum(b.remaining_pct) ? Math.max(0, Math.min(100, b.remaining_pct)) : 0;
    bar.style.width = rem + '%';
    bar.className = 'bar-fill ' + (rem > 50 ? 'good' : rem > 20 ? 'warn' : 'bad');

    setField(f('actual'), s.no_data ? 'no data' : fmtPct(s.actual_pct, 3), s.actual_pct);
    setField(f('target'), isNum(s.target) ? s.target + '%' : DASH, s.target);
    const latRow = f('latency').parentElement;
    if (s.kind === 'latency') {
      setField(f('latency'), fmtMS(s.actual_ms) + ' / ' + fmtMS(s.threshold_ms), s.actual_ms);
    } else {
      latRow.remove();
    }
    setField(f('events'), fmtCount(s.bad) + ' / ' + fmtCount(s.total), s.bad);
    setField(f('burn-per-day'), fmtPct(b.burn_per_day_pct, 2) + ' of budget', b.burn_per_day_pct);
    setField(f('hours-to-exhaustion'), fmtHours(b.hours_to_exhaustion, b.exhausted), b.hours_to_exhaustion);
    setField(f('exhaustion-at'), b.exhaustion_at ? fmtTime(b.exhaustion_at) : DASH, b.exhaustion_at);

    const rates = s.burn_rates || {};
    const windows = s.windows || {};
    const rows = Object.keys(rates).sort((a, c) => windowSeconds(a) - windowSeconds(c)).map((w) => {
      const tr = document.createElement('tr');
      tr.dataset.window = w;
      const td = (text, field, raw) => {
        const c = document.createElement('td');
        if (field) c.dataset.field = field;
        setField(c, text, raw);
        tr.appendChild(c);
        return c;
      };
      td(w, null, null);
      const rate = rates[w];
      const cell = td(fmtBurn(rate), 'burn-rate', rate);
      if (isNum(rate) && rate >= 1) cell.classList.add(rate >= 6 ? 'hot' : 'warm');
      const c = windows[w];
      td(c ? fmtCount(c.total - c.good) + ' / ' + fmtCount(c.total) : DASH, 'window-events', null);
      return tr;
    });
    f('burn-rates').replaceChildren(...rows);
    return card;
  }

  // Windows are whole days in production and hours or minutes in drills:
  // name them the way the spec wrote them.
  function fmtWindowDays(d) {
    if (!isNum(d)) return '';
    if (Number.isInteger(d)) return d + '-day window';
    const minutes = Math.round(d * 24 * 60);
    if (minutes % 60 === 0) return (minutes / 60) + '-hour window';
    return minutes + '-minute window';
  }

  function renderAlerts(firing) {
    setField(el.alertsCount, String(firing.length), firing.length);
    el.alertsCount.classList.toggle('hot', firing.length > 0);
    el.noAlerts.hidden = firing.length > 0;
    const items = firing.map((a) => {
      const li = document.createElement('li');
      li.className = 'alert sev-' + (a.severity || 'none');
      li.dataset.alert = a.alertname || '';
      li.dataset.slo = a.slo || '';
      li.dataset.severity = a.severity || '';
      const head = document.createElement('div');
      head.className = 'alert-head';
      const sev = document.createElement('span');
      sev.className = 'badge sev';
      sev.textContent = a.severity || '?';
      const name = document.createElement('strong');
      name.dataset.field = 'alertname';
      name.textContent = a.alertname || '';
      const slo = document.createElement('span');
      slo.className = 'muted';
      slo.dataset.field = 'slo';
      slo.textContent = a.slo || '';
      head.append(sev, name, slo);
      const summary = document.createElement('div');
      summary.className = 'alert-summary';
      summary.dataset.field = 'summary';
      summary.textContent = a.summary || '';
      const meta = document.createElement('div');
      meta.className = 'muted small';
      const bits = ['since ' + fmtTime(a.starts_at)];
      if (a.long_window && a.short_window) {
        bits.push('burn ' + fmtBurn(a.burn_rate) + ' over ' + a.long_window + '/' + a.short_window + ' (threshold ' + fmtBurn(a.factor) + ')');
      }
      bits.push('budget left ' + fmtPct(a.budget_remaining_pct, 2));
      meta.textContent = bits.join(' \u00b7 ');
      li.append(head, summary, meta);
      return li;
    });
    el.alerts.replaceChildren(...items);
  }

  const SVG_W = 600;
  const SVG_H = 140;
  const PAD = 8;

  function renderSparkline(values) {
    const pts = values.filter(isNum);
    el.spark.setAttribute('data-points', String(pts.length));
    el.sparkEmpty.hidden = pts.length > 0;
    if (pts.length === 0) {
      el.sparkLine.setAttribute('points', '');
      el.sparkArea.setAttribute('d', '');
      el.sparkLast.setAttribute('visibility', 'hidden');
      el.sparkThreshold.setAttribute('visibility', 'hidden');
      el.sparkMax.textContent = '';
      el.sparkLastValue.textContent = '';
      el.sparkThresholdLabel.textContent = '';
      return;
    }
    const peak = Math.max(...pts);
    let top = peak > 0 ? peak * 1.15 : 1;
    const thr = latencyThreshold;
    // Show the latency threshold when it is near the data, so the line is
    // not squashed by a threshold far above it.
    const showThr = isNum(thr) && thr > 0 && thr <= peak * 3;
    if (showThr) top = Math.max(top, thr * 1.1);
    const y = (v) => (SVG_H - PAD - (v / top) * (SVG_H - 2 * PAD)).toFixed(2);
    const x = (i) => (pts.length === 1 ? SVG_W / 2 : (i / (pts.length - 1)) * SVG_W).toFixed(2);
    const coords = pts.map((v, i) => x(i) + ',' + y(v));
    el.sparkLine.setAttribute('points', coords.join(' '));
    el.sparkArea.setAttribute('d', 'M' + x(0) + ',' + SVG_H + ' L' + coords.join(' L') + ' L' + x(pts.length - 1) + ',' + SVG_H + ' Z');
    const last = pts[pts.length - 1];
    el.sparkLast.setAttribute('cx', x(pts.length - 1));
    el.sparkLast.setAttribute('cy', y(last));
    el.sparkLast.setAttribute('visibility', 'visible');
    el.sparkLast.classList.toggle('over', showThr && last > thr);
    if (showThr) {
      el.sparkThreshold.setAttribute('y1', y(thr));
      el.sparkThreshold.setAttribute('y2', y(thr));
      el.sparkThreshold.setAttribute('visibility', 'visible');
      el.sparkThresholdLabel.textContent = 'threshold ' + fmtMS(thr);
    } else {
      el.sparkThreshold.setAttribute('visibility', 'hidden');
      el.sparkThresholdLabel.textContent = '';
    }
    el.sparkMax.textContent = 'max ' + fmtMS(peak);
    setField(el.sparkLastValue, 'last ' + fmtMS(last), last);
  }

  function renderStats(sum) {
    el.stats.hidden = false;
    setField(el.p50, fmtMS(sum.p50_ms), sum.p50_ms);
    setField(el.p95, fmtMS(sum.p95_ms), sum.p95_ms);
    setField(el.p99, fmtMS(sum.p99_ms), sum.p99_ms);
    setField(el.count, fmtCount(sum.count), sum.count);
    setField(el.window, sum.window || '24h', sum.window);
    el.route.textContent = sum.route ? ' on ' + sum.route : ', all routes';
  }

  // ---- actions ----

  async function withButton(button, busyText, fn) {
    const text = button.textContent;
    button.disabled = true;
    button.textContent = busyText;
    try {
      await fn();
      clearError();
    } catch (e) {
      if (!(e instanceof AuthError)) showError(e);
    } finally {
      button.disabled = false;
      button.textContent = text;
    }
  }

  el.runCheck.addEventListener('click', () => withButton(el.runCheck, 'Checking\u2026', async () => {
    const gen = generation;
    const report = await api(API.check, 'POST');
    if (gen !== generation) return;
    renderReport(report, true);
    el.statusLine.textContent = 'SLO check run at ' + new Date().toLocaleTimeString();
  }));

  el.viewP95.addEventListener('click', () => withButton(el.viewP95, 'Loading\u2026', async () => {
    const gen = generation;
    const sum = await api(API.latency);
    if (gen !== generation) return;
    statsShown = true;
    renderStats(sum);
    renderSparkline(sum.recent_60 || []);
  }));

  el.keyForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = el.keyInput.value.trim();
    el.keyInput.value = '';
    if (!key) return;
    setKey(key);
    unlock();
  });

  el.forget.addEventListener('click', () => {
    clearKey();
    lock('');
  });

  takeKeyFromFragment();
  if (getKey()) unlock();
  else lock('');
})();
