// trio protocol lab: load N resources from one origin, draw the browser's
// Resource Timing beside what the server recorded, compare the runs.
'use strict';

const $ = (id) => document.getElementById(id);
const SVGNS = 'http://www.w3.org/2000/svg';
const COLORS = {
  h1: '#b9461a', h2: '#1f5fbf', h3: '#12804a',
  queued: '#b8bec7', connect: '#e6a100', wait: '#7fb3e6', recv: '#163f7a',
  fg: '#111820', muted: '#3a4350', grid: '#d5d9df',
};

const lab = { info: null, runs: [], busy: false };
window.lab = lab; // for tests and the curious: the runs with every row

// protoOf turns Resource Timing's nextHopProtocol into h1, h2 or h3.
function protoOf(p) {
  if (!p) return '?';
  if (p.startsWith('http/1')) return 'h1';
  if (p === 'h2' || p === 'h2c') return 'h2';
  if (p.startsWith('h3')) return 'h3';
  return p;
}

function setStatus(text, warn) {
  $('status').textContent = text;
  $('status').className = warn ? 'warn' : '';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// getJSON fetches url's JSON. A request the network lost (a browser drops
// its connections when the machine's network changes) is tried again,
// twice; an error the server answered is thrown at once.
async function getJSON(url, opts) {
  for (let i = 0; ; i++) {
    let r;
    try {
      r = await fetch(url, Object.assign({ cache: 'no-store' }, opts));
    } catch (e) {
      if (i >= 2) throw e;
      await sleep(200);
      continue;
    }
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || r.status + ' ' + url);
    return body;
  }
}

// impText describes an impairment briefly: "loss 2% · delay 20 ms".
function impText(i) {
  let s = `loss ${+(i.loss * 100).toFixed(2)}% · delay ${i.delay_ms} ms`;
  if (i.jitter_ms) s += ` ± ${i.jitter_ms} ms`;
  if (i.rate) s += ` · ${Math.round(i.rate / 1000)} kB/s`;
  return s;
}

function linkText(info) {
  switch (info.link) {
    case 'link':
      return 'Link: ' + impText(info.impairment);
    case 'udp-relay':
      return `No link (it needs root): only HTTP/3 is impaired, by a UDP relay: ${impText(info.impairment)}; TCP is not`;
  }
  return 'No link: nothing is impaired (the link needs root)';
}

function showInfo() {
  const info = lab.info;
  $('link-status').textContent = linkText(info);
  $('link-status').className = 'link' + (info.link === 'link' ? '' : ' none');
  const noLink = info.link === 'none';
  for (const el of $('link-controls').querySelectorAll('input, button')) el.disabled = noLink;
  if (!noLink) {
    $('loss').value = +(info.impairment.loss * 100).toFixed(2);
    $('delay').value = info.impairment.delay_ms;
  }
}

// warmUp asks the origin once, so that every run starts with one connection
// open (as after a page's HTML). On h3 it asks until the answer comes over
// HTTP/3: Firefox switches only after seeing Alt-Svc on a TCP response.
async function warmUp(name, base) {
  for (let i = 0; i < 30; i++) {
    let proto = '?';
    try {
      const r = await fetch(`${base}/lab/api/hello?warm=${Date.now()}-${i}`, { cache: 'no-store', mode: 'cors', credentials: 'include' });
      proto = (await r.json()).proto;
    } catch (e) {
      proto = 'error: ' + e.message;
    }
    if (name !== 'h3' || proto === 'h3') return proto;
    setStatus(`Waiting for HTTP/3 on the h3 origin (answered over ${proto}; the browser follows Alt-Svc)…`);
    await sleep(300);
  }
  return 'not h3';
}

// load fetches one resource as a page would: images with <img>, the rest
// with fetch. It resolves when the last byte arrived (or it failed).
function load(res, url, into) {
  if (res.type.startsWith('image/')) {
    return new Promise((resolve) => {
      const img = new Image();
      img.alt = '#' + res.i;
      img.onload = () => resolve(true);
      img.onerror = () => resolve(false);
      img.src = url;
      into.append(img);
    });
  }
  const tag = document.createElement('span');
  tag.textContent = `#${res.i} ${res.type.split(';')[0]}`;
  into.append(tag);
  return fetch(url, { mode: 'cors', cache: 'no-store', credentials: 'include' })
    .then((r) => r.arrayBuffer().then(() => r.ok))
    .catch(() => false);
}

// timings reads the Resource Timing entries of run id, waiting briefly for
// the last ones (browsers add an entry just after its load event).
async function timings(id, n) {
  const mark = 'run=' + encodeURIComponent(id);
  for (let i = 0; ; i++) {
    const es = performance.getEntriesByType('resource').filter((e) => e.name.includes(mark) && /\/lab\/r\//.test(e.name));
    if (es.length >= n || i >= 20) return es;
    await sleep(50);
  }
}

// serverRecord fetches what the server saw of run id, from this page's own
// origin: the three origins share one recorder.
async function serverRecord(id, n) {
  for (let i = 0; ; i++) {
    try {
      const rec = await getJSON('/lab/api/run/' + encodeURIComponent(id));
      const rs = rec.requests.filter((q) => q.i >= 0);
      if ((rs.length >= n && rs.every((q) => q.done)) || i >= 20) return rec;
    } catch (e) {
      if (i >= 20) return { id, requests: [], conns: 0, error: e.message };
    }
    await sleep(100);
  }
}

// what says what a run loaded: "64 tiles" or "a page of 40 resources".
function what(n, kind) {
  return kind === 'page' ? `a page of ${n} resources` : `${n} ${kind}`;
}

function median(xs) {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// row turns a Resource Timing entry into the five moments of a waterfall
// row, in ms since the run started (t0).
function row(e, t0) {
  const at = (t) => (t > 0 ? t - t0 : null);
  const connected = e.connectEnd > e.connectStart;
  return {
    i: +new URL(e.name).pathname.split('/').pop(),
    proto: protoOf(e.nextHopProtocol),
    queued: at(e.startTime), // the page asked for it
    connect: connected ? at(e.connectStart) : null, // a new connection was opened for it
    connected: connected ? at(e.connectEnd) : null,
    sent: at(e.requestStart) ?? at(e.fetchStart), // request sent
    first: at(e.responseStart), // first byte
    last: at(e.responseEnd), // last byte
    bytes: e.encodedBodySize || e.transferSize || 0,
  };
}

async function run() {
  if (lab.busy) return;
  lab.busy = true;
  $('run').disabled = true;
  document.body.dataset.state = 'running';
  try {
    await runOnce();
    document.body.dataset.state = 'done';
  } catch (e) {
    setStatus('Run failed: ' + e.message, true);
    document.body.dataset.state = 'error';
  } finally {
    lab.busy = false;
    $('run').disabled = false;
  }
}

async function runOnce() {
  const origin = document.querySelector('input[name=origin]:checked').value;
  const n = Math.max(1, Math.min(500, +$('n').value || 64));
  const kind = $('kind').value;
  const base = lab.info.origins[origin];
  const id = `${origin}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const info = await getJSON('/lab/api/lab'); // the link as it is now
  lab.info = info;
  showInfo();

  setStatus(`Connecting to the ${origin} origin…`);
  const warm = await warmUp(origin, base);
  const list = await getJSON(`/lab/api/resources?kind=${encodeURIComponent(kind)}&n=${n}`);

  setStatus(`Loading ${what(list.length, kind)} from ${origin}…`);
  performance.setResourceTimingBufferSize(10000);
  performance.clearResourceTimings();
  const into = $('tiles');
  into.replaceChildren();
  $('loaded').hidden = false;
  const t0 = performance.now();
  const oks = await Promise.all(list.map((res) => load(res, `${base}${res.path}${res.path.includes('?') ? '&' : '?'}run=${encodeURIComponent(id)}`, into)));
  const took = performance.now() - t0;

  const after = await getJSON('/lab/api/lab').catch(() => null);
  const entries = await timings(id, list.length);
  const rows = entries.map((e) => row(e, t0)).sort((a, b) => a.i - b.i);
  const rec = await serverRecord(id, list.length);
  const served = new Map(rec.requests.filter((q) => q.i >= 0).map((q) => [q.i, q]));
  for (const r of rows) r.server = served.get(r.i) || null;

  const protos = {};
  for (const r of rows) protos[r.proto] = (protos[r.proto] || 0) + 1;
  const conns = new Set(rows.filter((r) => r.server).map((r) => r.server.conn)).size;
  const result = {
    id, n: list.length, origin, kind, warm,
    impairment: info.link === 'none' ? null : info.impairment,
    link: info.link,
    failed: oks.filter((ok) => !ok).length,
    proto: Object.keys(protos).sort((a, b) => protos[b] - protos[a])[0] || '?',
    protos,
    complete_ms: Math.max(took, ...rows.map((r) => r.last || 0)),
    median_ms: median(rows.filter((r) => r.last != null).map((r) => r.last - r.queued)),
    conns,
    dropped: dropped(info.stats, after && after.stats),
    server: rec,
    rows,
  };
  lab.runs.push(result);
  $('lab-data').textContent = JSON.stringify(lab.runs.map(({ server, ...r }) => r));
  drawWaterfall(result, lab.runs.length);
  drawSummary();
  const mixed = Object.keys(protos).length > 1 || result.proto !== origin;
  setStatus(`Run ${lab.runs.length}: ${what(result.n, kind)} over ${Object.entries(protos).map(([p, c]) => `${p} ×${c}`).join(', ')} ` +
    `in ${Math.round(result.complete_ms)} ms on ${conns} connection${conns === 1 ? '' : 's'}` +
    (result.dropped ? `; the link dropped ${result.dropped.up + result.dropped.down} packets` : '') +
    (result.failed ? `; ${result.failed} failed` : '') +
    (mixed ? ` (not all over ${origin}!)` : ''), mixed || result.failed > 0);
}

// dropped is how many packets the link dropped each way between two
// readings of its counters (null without a link). Other tabs' runs in
// between would count too.
function dropped(before, after) {
  if (!before || !after) return null;
  return { up: after.up.dropped - before.up.dropped, down: after.down.dropped - before.down.dropped };
}

// el makes an SVG element with attributes. Exported files carry their
// colours and fonts in attributes, not in this page's CSS.
function el(name, attrs, text) {
  const e = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

function connColor(c) {
  return `hsl(${(c * 67) % 360} 70% 42%)`;
}

function niceStep(span) {
  const raw = span / 6;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) || p * 10;
}

function axis(g, x0, width, max, y, h, label) {
  const step = niceStep(max);
  for (let t = 0; t <= max + 1e-9; t += step) {
    const x = x0 + (t / max) * width;
    g.append(el('line', { x1: x, x2: x, y1: y, y2: y + h, stroke: COLORS.grid, 'stroke-width': 1 }));
    g.append(el('text', { x, y: y - 8, 'font-size': 18, 'text-anchor': 'middle', fill: COLORS.muted }, `${Math.round(t)}`));
  }
  g.append(el('text', { x: x0, y: y - 34, 'font-size': 22, 'font-weight': 700, fill: COLORS.fg }, label));
}

// drawWaterfall draws run number k: the browser's rows on the left, the
// server's on the right, on one time scale.
function drawWaterfall(r, k) {
  const W = 1800, left = 70, bw = 740, mid = 190, sx0 = left + bw + mid, sw = W - sx0 - 20;
  const rowH = Math.max(8, Math.min(28, Math.floor(1400 / Math.max(1, r.rows.length))));
  const top = 140, H = top + rowH * r.rows.length + 30;
  const srv = r.rows.filter((x) => x.server && x.server.done).map((x) => x.server);
  const max = Math.max(1, r.complete_ms, ...srv.map((s) => s.last_byte_ms));
  const svg = el('svg', { xmlns: SVGNS, viewBox: `0 0 ${W} ${H}`, width: W, height: H, 'font-family': 'system-ui, sans-serif', role: 'img' });
  svg.append(el('rect', { x: 0, y: 0, width: W, height: H, fill: '#fff' }));
  const link = r.impairment ? impText(r.impairment) + (r.link === 'udp-relay' ? ' (HTTP/3 only)' : '') : 'no link';
  svg.append(el('text', { x: 10, y: 36, 'font-size': 28, 'font-weight': 700, fill: COLORS.fg },
    `Run ${k}: ${what(r.n, r.kind)} from the ${r.origin} origin over ${r.proto} · ${link} · ${Math.round(r.complete_ms)} ms · ${r.conns} connection${r.conns === 1 ? '' : 's'}` +
    (r.dropped ? ` · ${r.dropped.up + r.dropped.down} packets dropped` : '')));
  const g = el('g', {});
  svg.append(g);
  axis(g, left, bw, max, top - 10, rowH * r.rows.length + 10, 'Browser (ms since the run began)');
  axis(g, sx0, sw, max, top - 10, rowH * r.rows.length + 10, 'Server (ms since the first request arrived)');
  g.append(el('text', { x: left + bw + mid / 2, y: top - 44, 'font-size': 22, 'font-weight': 700, 'text-anchor': 'middle', fill: COLORS.fg }, 'conn · stream'));
  const X = (t) => left + (Math.max(0, t) / max) * bw;
  const SX = (t) => sx0 + (Math.max(0, t) / max) * sw;
  const labelEvery = rowH >= 16 ? 1 : Math.ceil(16 / rowH);
  const bar = (x1, x2, y, fill, title) => {
    if (x1 == null || x2 == null) return;
    const rect = el('rect', { x: x1, y: y + 2, width: Math.max(1.5, x2 - x1), height: rowH - 4, fill });
    rect.append(el('title', {}, title));
    g.append(rect);
  };
  r.rows.forEach((x, j) => {
    const y = top + j * rowH;
    if (j % labelEvery === 0) {
      g.append(el('text', { x: left - 8, y: y + rowH * 0.75, 'font-size': Math.min(20, rowH), 'text-anchor': 'end', fill: COLORS.muted }, `#${x.i}`));
    }
    const startWait = x.connected ?? x.sent;
    bar(X(x.queued), X(x.connect ?? x.sent), y, COLORS.queued, `#${x.i} queued ${fmt(x.queued)}`);
    if (x.connect != null) bar(X(x.connect), X(x.connected), y, COLORS.connect, `#${x.i} connecting ${fmt(x.connect)}–${fmt(x.connected)}`);
    bar(X(Math.max(startWait, x.sent)), X(x.first), y, COLORS.wait, `#${x.i} request sent ${fmt(x.sent)}, first byte ${fmt(x.first)}`);
    bar(X(x.first), X(x.last), y, COLORS.recv, `#${x.i} first byte ${fmt(x.first)}, last byte ${fmt(x.last)} (${x.proto})`);
    const s = x.server;
    if (!s) return;
    const color = connColor(s.conn);
    if (j % labelEvery === 0) {
      const ids = `c${s.conn}` + (s.stream >= 0 ? ` · s${s.stream}` : '');
      g.append(el('text', { x: left + bw + mid / 2, y: y + rowH * 0.75, 'font-size': Math.min(20, rowH), 'text-anchor': 'middle', fill: color, 'font-weight': 700 }, ids));
    }
    if (s.done) {
      bar(SX(s.received_ms), SX(s.first_byte_ms), y, COLORS.queued, `#${x.i} received ${fmt(s.received_ms)}, first byte written ${fmt(s.first_byte_ms)}`);
      bar(SX(s.first_byte_ms), SX(s.last_byte_ms), y, color, `#${x.i} on connection ${s.conn}${s.stream >= 0 ? ' stream ' + s.stream : ''} (${s.proto}): bytes written ${fmt(s.first_byte_ms)}–${fmt(s.last_byte_ms)}`);
    }
  });
  const legend = [['queued', COLORS.queued], ['connecting', COLORS.connect], ['request sent → first byte', COLORS.wait], ['first → last byte', COLORS.recv]];
  let lx = 10;
  for (const [name, fill] of legend) {
    g.append(el('rect', { x: lx, y: 56, width: 22, height: 22, fill }));
    g.append(el('text', { x: lx + 30, y: 75, 'font-size': 20, fill: COLORS.fg }, name));
    lx += 50 + name.length * 10.5;
  }
  g.append(el('text', { x: sx0, y: 75, 'font-size': 20, fill: COLORS.fg }, 'server: received → first byte written → last byte written (colour: connection)'));
  $('waterfall').replaceChildren(svg);
  $('result-title').textContent = `Run ${k} · ${r.id}`;
  $('result').hidden = false;
  $('result').dataset.run = r.id;
}

function fmt(t) {
  return t == null ? '–' : `${Math.round(t)} ms`;
}

function drawSummary() {
  const tbody = $('runs').tBodies[0];
  tbody.replaceChildren();
  const max = Math.max(...lab.runs.map((r) => r.complete_ms));
  lab.runs.forEach((r, j) => {
    const tr = document.createElement('tr');
    if (j === lab.runs.length - 1) tr.className = 'latest';
    const cell = (text, cls) => {
      const td = document.createElement('td');
      if (cls) td.className = cls;
      td.textContent = text;
      tr.append(td);
      return td;
    };
    cell(j + 1, 'num');
    cell('').append(Object.assign(document.createElement('span'), { className: 'proto ' + r.origin, textContent: r.origin }));
    cell(Object.entries(r.protos).map(([p, c]) => (Object.keys(r.protos).length > 1 ? `${p} ×${c}` : p)).join(', '));
    cell(what(r.n, r.kind));
    cell(r.impairment ? `${+(r.impairment.loss * 100).toFixed(2)}% · ${r.impairment.delay_ms} ms` + (r.link === 'udp-relay' ? ' (UDP only)' : '') : 'none');
    cell(r.conns, 'num');
    cell(r.dropped ? r.dropped.up + r.dropped.down : '–', 'num');
    cell(`${Math.round(r.median_ms)} ms`, 'num');
    const td = cell('', 'bar');
    const div = document.createElement('div');
    div.style.width = `${(100 * r.complete_ms) / max}%`;
    div.style.background = COLORS[r.origin] || '#666';
    td.append(div);
    cell(`${Math.round(r.complete_ms)} ms`, 'num');
    tbody.append(tr);
  });
  drawMatrix();
  $('summary').hidden = false;
}

// drawMatrix puts the protocols side by side: one row per link setting and
// set of resources, one column per origin, the median page-complete time
// of its runs (and how many), the fastest in bold.
function drawMatrix() {
  const groups = new Map();
  for (const r of lab.runs) {
    const link = r.impairment ? impText(r.impairment) + (r.link === 'udp-relay' ? ' (UDP only)' : '') : 'none';
    const key = `${link}|${what(r.n, r.kind)}`;
    if (!groups.has(key)) groups.set(key, { link, what: what(r.n, r.kind), by: { h1: [], h2: [], h3: [] } });
    const g = groups.get(key);
    if (g.by[r.origin]) g.by[r.origin].push(r.complete_ms);
  }
  const tbody = $('matrix').tBodies[0];
  tbody.replaceChildren();
  for (const g of groups.values()) {
    const tr = document.createElement('tr');
    const add = (text, cls) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
      return td;
    };
    add(g.link);
    add(g.what);
    const meds = Object.fromEntries(Object.entries(g.by).map(([p, xs]) => [p, xs.length ? median(xs) : null]));
    const best = Math.min(...Object.values(meds).filter((m) => m != null));
    for (const p of ['h1', 'h2', 'h3']) {
      const m = meds[p];
      const td = add(m == null ? '–' : `${Math.round(m)} ms`, 'num' + (m === best ? ' best' : ''));
      if (m != null) td.title = `${g.by[p].length} run${g.by[p].length === 1 ? '' : 's'}: ${g.by[p].map(Math.round).join(', ')} ms`;
      if (m != null && g.by[p].length > 1) td.append(Object.assign(document.createElement('small'), { textContent: ` ×${g.by[p].length}` }));
    }
    tbody.append(tr);
  }
}

// svgText is the waterfall as a standalone SVG file, "" before a run.
function svgText() {
  const svg = $('waterfall').querySelector('svg');
  if (!svg) return '';
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
}
lab.svgText = svgText;

function exportSVG() {
  const text = svgText();
  if (!text) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  a.download = `trio-lab-${$('result').dataset.run}.svg`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function applyLink() {
  const cur = lab.info.impairment;
  const body = Object.assign({}, cur, { loss: (+$('loss').value || 0) / 100, delay_ms: +$('delay').value || 0 });
  try {
    const imp = await getJSON('/lab/api/impairment', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    lab.info.impairment = imp;
    showInfo();
    setStatus('The link now: ' + impText(imp));
  } catch (e) {
    setStatus('Could not change the link: ' + e.message, true);
  }
}

async function start() {
  const nav = performance.getEntriesByType('navigation')[0];
  const p = protoOf(nav && nav.nextHopProtocol);
  $('page-proto').textContent = p;
  $('page-proto').className = 'proto ' + p;
  try {
    lab.info = await getJSON('/lab/api/lab');
  } catch (e) {
    setStatus('The lab API did not answer: ' + e.message, true);
    document.body.dataset.state = 'error';
    return;
  }
  showInfo();
  // ?origin=h2&n=64&kind=tiles&runs=3 sets the controls and makes 3 runs;
  // ?origin=h1,h2,h3&runs=1 makes one run from each origin in turn.
  const q = new URLSearchParams(location.search);
  const pick = (name) => {
    const radio = document.querySelector(`input[name=origin][value="${CSS.escape(name)}"]`);
    if (radio) radio.checked = true;
  };
  const sequence = (q.get('origin') || '').split(',').filter((o) => lab.info.origins[o]);
  if (sequence.length) pick(sequence[0]);
  if (q.get('n')) $('n').value = q.get('n');
  if (q.get('kind')) $('kind').value = q.get('kind');
  $('run').disabled = false;
  $('run').addEventListener('click', run);
  $('export').addEventListener('click', exportSVG);
  $('apply').addEventListener('click', applyLink);
  document.body.dataset.state = 'ready';
  const runs = Math.min(10, +q.get('runs') || (q.get('auto') ? 1 : 0));
  for (const origin of sequence.length ? sequence : [null]) {
    if (origin) pick(origin);
    for (let i = 0; i < runs; i++) await run();
  }
}

start();
