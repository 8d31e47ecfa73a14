// The fleet page: every home as one cell of a canvas grid (10,000 cells paint as one image, not 10,000
// DOM nodes), rates and histograms from the /events stream, the cells from /api/cells once a second.
import { getJson, linkTo, subscribe, withToken } from './api.js';

const $ = (id) => document.getElementById(id);
const STATE_COLOURS = [
  [42, 52, 72],
  [245, 179, 66],
  [62, 207, 142],
  [255, 107, 107],
];
const STATE_NAMES = ['waiting', 'connecting', 'online', 'connection lost'];
const LATE_STEPS = [
  [20, [62, 207, 142]],
  [100, [160, 214, 90]],
  [500, [245, 179, 66]],
  [2000, [255, 140, 70]],
  [Infinity, [255, 80, 80]],
];
let info = { homes: 0, local: 0, first: 0, step: 1, prefix: 'home' };
let cells = { state: new Uint8Array(0), late: new Uint16Array(0) };
let layout = { cols: 1, rows: 1, size: 1 };

function homeAt(p) {
  return `${info.prefix}-${info.first + p * info.step}`;
}

function legend() {
  const mode = $('mode').value;
  const items =
    mode === 'state'
      ? STATE_NAMES.map((n, i) => [n, STATE_COLOURS[i]])
      : [
          ['< 20 ms', LATE_STEPS[0][1]],
          ['< 100 ms', LATE_STEPS[1][1]],
          ['< 500 ms', LATE_STEPS[2][1]],
          ['< 2 s', LATE_STEPS[3][1]],
          ['≥ 2 s', LATE_STEPS[4][1]],
          ['not online', STATE_COLOURS[0]],
        ];
  $('legend').innerHTML = items
    .map(([n, c]) => `<span><i style="background:rgb(${c.join(',')})"></i>${n}</span>`)
    .join('');
}

function paint() {
  const canvas = $('cells');
  const n = cells.state.length;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  // Square cells as large as fit.
  const size = Math.max(1, Math.floor(Math.sqrt((canvas.width * canvas.height) / Math.max(n, 1))));
  let cols = Math.max(1, Math.floor(canvas.width / size));
  let cell = size;
  while (Math.ceil(n / cols) * cell > canvas.height && cell > 1) {
    cell--;
    cols = Math.floor(canvas.width / cell);
  }
  const rows = Math.ceil(n / cols);
  layout = { cols, rows, size: cell / dpr };
  canvas.dataset.cols = String(cols);
  canvas.dataset.cell = String(cell / dpr);
  const img = new ImageData(cols, Math.max(rows, 1));
  const byLate = $('mode').value === 'late';
  for (let p = 0; p < n; p++) {
    const s = cells.state[p];
    let c = STATE_COLOURS[s];
    if (byLate && s === 2) c = LATE_STEPS.find(([max]) => cells.late[p] < max)[1];
    else if (byLate) c = STATE_COLOURS[0];
    const o = p * 4;
    img.data[o] = c[0];
    img.data[o + 1] = c[1];
    img.data[o + 2] = c[2];
    img.data[o + 3] = 255;
  }
  const g = canvas.getContext('2d');
  g.fillStyle = '#0c1320';
  g.fillRect(0, 0, canvas.width, canvas.height);
  const off = new OffscreenCanvas(cols, Math.max(rows, 1));
  off.getContext('2d').putImageData(img, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(off, 0, 0, cols * cell, rows * cell);
  // Grid lines between cells when they are big enough to tell apart.
  if (cell >= 6) {
    g.strokeStyle = '#0c1320';
    g.lineWidth = Math.max(1, Math.floor(cell / 6));
    g.beginPath();
    for (let x = 0; x <= cols; x++) {
      g.moveTo(x * cell, 0);
      g.lineTo(x * cell, rows * cell);
    }
    for (let y = 0; y <= rows; y++) {
      g.moveTo(0, y * cell);
      g.lineTo(cols * cell, y * cell);
    }
    g.stroke();
  }
  $('cell-count').textContent = `${n.toLocaleString()} cells`;
}

function cellAt(e) {
  const r = $('cells').getBoundingClientRect();
  const col = Math.floor((e.clientX - r.left) / layout.size);
  const row = Math.floor((e.clientY - r.top) / layout.size);
  if (col < 0 || col >= layout.cols || row < 0) return undefined;
  const p = row * layout.cols + col;
  return p < cells.state.length ? p : undefined;
}

async function loadCells() {
  const res = await fetch(withToken('/api/cells'));
  if (!res.ok) return;
  const buf = await res.arrayBuffer();
  const n = buf.byteLength / 3;
  cells = { state: new Uint8Array(buf, 0, n), late: new Uint16Array(buf.slice(n)) };
  paint();
}

function histogram(canvas, bins, colour) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#91a1bb';
  const used = bins.filter(([, c]) => c > 0);
  if (used.length === 0) {
    g.fillText('no samples yet', 8, h / 2);
    return;
  }
  const lo = bins.findIndex(([, c]) => c > 0);
  let hi = bins.length - 1;
  while (hi > lo && bins[hi][1] === 0) hi--;
  const shown = bins.slice(Math.max(0, lo - 1), hi + 2);
  const max = Math.max(...shown.map(([, c]) => c));
  const bw = (w - 10) / shown.length;
  g.fillStyle = colour;
  shown.forEach(([, c], i) => {
    const bh = (c / max) * (h - 30);
    g.fillRect(5 + i * bw, h - 18 - bh, Math.max(1, bw - 2), bh);
  });
  g.fillStyle = '#91a1bb';
  const label = (ms) =>
    ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1 ? `${Math.round(ms)} ms` : `${ms.toFixed(2)} ms`;
  for (const i of [0, Math.floor(shown.length / 2), shown.length - 1])
    g.fillText(`≤${label(shown[i][0])}`, Math.min(w - 60, 5 + i * bw), h - 4);
}

const fmt = (v, d = 0) => (v === undefined ? '—' : Number(v).toLocaleString(undefined, { maximumFractionDigits: d }));

function render(f) {
  info = f;
  $('fleet-name').textContent =
    `${f.prefix}-* · ${f.homes.toLocaleString()} ` +
    `homes${f.local !== f.homes ? ` (${f.local.toLocaleString()} here)` : ''}`;
  $('uptime').textContent = `up ${f.uptimeS} s`;
  const s = f.stats;
  $('progress').style.width = `${(100 * s.connected) / Math.max(1, s.homes)}%`;
  $('progress-text').textContent =
    `${s.started.toLocaleString()} started · ${s.connected.toLocaleString()} of ${s.homes.toLocaleString()} connected`;
  $('n-connected').textContent = fmt(s.connected);
  const r = f.recent;
  $('n-reports').textContent = fmt(r?.reportsPerS);
  $('n-in').textContent = fmt(r?.inPerS);
  $('n-out').textContent = fmt(r?.outPerS);
  $('n-late').textContent = r ? `${fmt(r.lateP50, 1)} / ${fmt(r.lateP99, 1)} ms` : '—';
  $('n-ack').textContent =
    f.total && f.total.acks > 0 ? `${fmt(f.total.ackP50, 1)} / ${fmt(f.total.ackP99, 1)} ms` : '—';
  $('n-errors').textContent = fmt(s.errors);
  $('n-lost').textContent = fmt(s.disconnects);
  const b = f.boards;
  $('boards').hidden = !b;
  if (b) {
    $('boards').textContent =
      `${fmt(b.boards)} emulated boards · lag p50 ${fmt(b.lagP50, 1)} p99 ${fmt(b.lagP99, 1)} ` +
      `max ${fmt(b.lagMax, 1)} ms · ${fmt(b.mhzMean, 1)} MHz (slowest ${fmt(b.mhzMin, 1)}) · ` +
      `serial lines ${fmt(b.lines)} · checksum errors ${fmt(b.checksumErrors)} · resets ${fmt(b.resets)}`;
  }
  histogram($('hist-late'), f.lateness, '#f5b342');
  histogram($('hist-ack'), f.ackLatency, '#4fb3ff');
}

$('mode').addEventListener('change', () => {
  legend();
  paint();
});
$('cells').addEventListener('mousemove', (e) => {
  const p = cellAt(e);
  $('hover').textContent =
    p === undefined
      ? ''
      : `${homeAt(p)}: ` +
        `${STATE_NAMES[cells.state[p]]}${cells.state[p] === 2 ? `, last report ${cells.late[p]} ms late` : ''} — ` +
        'click to open';
});
$('cells').addEventListener('click', (e) => {
  const p = cellAt(e);
  if (p !== undefined) location.href = linkTo(`/home?home=${encodeURIComponent(homeAt(p))}`);
});
window.addEventListener('resize', paint);
legend();
render(await getJson('/api/fleet'));
await loadCells();
subscribe('/events', render, (ok) => {
  $('stream').textContent = ok ? 'live' : 'reconnecting…';
  $('stream').className = `badge ${ok ? 'ok' : 'warn'}`;
});
setInterval(loadCells, 1000);
