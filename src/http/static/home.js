// The home page: one home, drawn from /api/state and the /events stream; commands go through the bus
// (POST /api/command), buttons through the home's physical access (POST /api/press).
import { getJson, linkTo, postJson, subscribe } from './api.js';
import { drawChart } from './chart.js';

// The names and colours of the status digits come from the server (src/home/), written once there.
let COLOURS = [];
let COLOUR_RGB = [];
let EFFECTS = [];
let MODES = [];
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// A fleet serves many homes: ?home=<id> picks one.
const homeQuery = params.get('home') ? `?home=${encodeURIComponent(params.get('home'))}` : '';

let state = {};
let history = [];
let lastClimateT = 0;
let lastRainT = 0;

function text(id, value) {
  const el = $(id);
  if (el.textContent !== value) el.textContent = value;
}
const fmtTime = (t) => new Date(t).toISOString().slice(11, 19);

function drawScene(s) {
  const d = s.decoded;
  const out = s.outputs;
  // Air-con: LED, fan speed from its power, airflow.
  const on = d?.aircon.on ?? false;
  const power = d?.aircon.power ?? 0;
  $('aircon-led').setAttribute('fill', on ? '#3ecf8e' : '#555');
  const fan = $('fan');
  fan.style.setProperty('--fan-period', on && power > 0 ? `${(2.2 / power).toFixed(2)}s` : '0s');
  fan.style.setProperty('--fan-play', on && power > 0 ? 'running' : 'paused');
  $('airflow').setAttribute('visibility', on ? 'visible' : 'hidden');
  text(
    'aircon-label',
    on ? `air-con on · power ${power}${out ? ` · fan ${Math.round((out.fanDuty / 255) * 100)} %` : ''}` : 'air-con off',
  );
  // Mood light: the colour the pins show (animated by the home), else the status colour.
  const lightOn = d?.light.on ?? false;
  let rgb = [0, 0, 0];
  if (out) rgb = [out.light.r, out.light.g, out.light.b];
  else if (lightOn) rgb = COLOUR_RGB[d.light.colour].map((v) => Math.round((v * d.light.brightness) / 9));
  const level = Math.max(...rgb) / 255;
  const colour = `rgb(${rgb.map((v) => Math.round(Math.min(255, v * (level > 0 ? 1 / level : 1)))).join(',')})`;
  $('bulb').setAttribute('fill', level > 0 ? colour : '#333');
  $('lamp-glow').setAttribute('opacity', String(Math.min(1, level * 1.1)));
  $('glow').querySelector('stop').setAttribute('stop-color', colour);
  text(
    'light-label',
    lightOn ? `light ${COLOURS[d.light.colour]} · ${d.light.brightness}/9 · ${EFFECTS[d.light.effect]}` : 'light off',
  );
  // Window: the pane swings with the angle the servo drives (else open/closed from the status).
  const angle = out ? out.windowAngle : d?.windowOpen ? 90 : 0;
  const open = out ? angle > 5 : d?.windowOpen;
  $('pane').style.transform = `scaleX(${Math.max(0.08, Math.cos((angle * Math.PI) / 180)).toFixed(3)})`;
  text('window-label', `window ${open ? 'open' : 'closed'}${out ? ` · ${Math.round(angle)}°` : ''}`);
  // Gas valve: handle along the pipe = open.
  const gas = out ? out.gasValveOpen : d?.gasValveOpen;
  $('valve-handle').setAttribute('transform', gas ? 'rotate(0 130 269)' : 'rotate(90 130 269)');
  $('valve-handle').setAttribute('fill', gas ? '#3ecf8e' : '#d33');
  text('gas-label', `gas valve ${gas ? 'OPEN' : 'closed'}`);
  $('rain').setAttribute('visibility', s.rain?.raining ? 'visible' : 'hidden');
  $('sky-rect').setAttribute('fill', s.rain?.raining ? '#5d6b80' : 'url(#sky)');
  text('temp-label', s.climate ? `${s.climate.temp.toFixed(1)} °C` : '— °C');
  text(
    'humi-label',
    s.climate ? `${s.climate.humi} % RH${s.rain ? (s.rain.raining ? ' · rain' : ' · dry') : ''}` : '— % RH',
  );
  text('status-line', s.status ? `status ${s.status} (${s.cause}) · ${describe(d)}` : 'waiting for the home to boot…');
  for (const b of document.querySelectorAll('.hw-button')) b.classList.toggle('disabled', !s.physical);
}

function describe(d) {
  if (!d) return '';
  return [
    MODES[d.mode],
    d.aircon.on ? `A/C ${d.aircon.power}` : 'A/C off',
    d.light.on ? `light ${COLOURS[d.light.colour]}` : 'light off',
    d.windowOpen ? 'window open' : 'window closed',
    d.gasValveOpen ? 'gas OPEN' : 'gas closed',
  ].join(' · ');
}

function drawStatus(s) {
  const d = s.decoded;
  text('status-digits', s.status ?? '—');
  const facts = d
    ? [
        ['mode', MODES[d.mode]],
        ['air-con', d.aircon.on ? `on, power ${d.aircon.power}` : 'off'],
        ['light', d.light.on ? `${COLOURS[d.light.colour]}, ${d.light.brightness}/9` : 'off'],
        ['effect', EFFECTS[d.light.effect]],
        ['window', d.windowOpen ? 'open' : 'closed'],
        ['gas valve', d.gasValveOpen ? 'OPEN' : 'closed'],
        ['cause', s.cause ?? '—'],
        ['reports', String(s.counts?.reports ?? 0)],
      ]
    : [];
  $('status-facts').innerHTML = facts.map(([k, v]) => `<li><b>${k}</b>${v}</li>`).join('');
  // The selectors follow the home (unless being changed): they show what a send would keep.
  if (d) {
    const follow = (id, value) => {
      if (document.activeElement !== $(id)) $(id).value = String(value);
    };
    if (d.aircon.on) {
      follow('ctl-power', d.aircon.power);
      $('ctl-power-out').value = $('ctl-power').value;
    }
    if (d.light.on) {
      follow('ctl-colour', d.light.colour);
      follow('ctl-effect', d.light.effect);
      follow('ctl-bright', d.light.brightness);
    }
  }
  setToggle('ctl-aircon', d?.aircon.on, 'turn off', 'turn on');
  setToggle('ctl-light', d?.light.on, 'turn off', 'turn on');
  setToggle('ctl-window', d?.windowOpen, 'close', 'open');
  setToggle('ctl-gas', d?.gasValveOpen, 'close', 'open');
}

function setToggle(id, on, onText, offText) {
  const b = $(id);
  b.classList.toggle('on', !!on);
  b.textContent = on ? onText : offText;
}

function drawHeader(s) {
  text('home-name', s.home);
  const a = $('availability');
  a.textContent = s.availability ?? 'unknown';
  a.className = `badge ${s.availability === 'online' ? 'ok' : s.availability === 'offline' ? 'bad' : ''}`;
  const l = $('link-badge');
  l.textContent = `link ${s.link?.kind ?? '—'}: ${s.link?.state ?? '—'}`;
  l.className = `badge ${s.link?.state === 'ready' ? 'ok' : s.link?.state ? 'warn' : ''}`;
  text(
    'clock',
    s.now ? new Date(s.now).toISOString().replace('T', ' ').slice(0, 19) + (s.speed !== 1 ? ` (${s.speed}×)` : '') : '',
  );
  if (s.board) {
    $('nav-board').hidden = false;
    $('nav-board').href = linkTo('/board');
  }
}

function drawHealth(s) {
  const link = s.link ?? {};
  const rows = [
    ['kind', link.kind],
    ['state', link.state],
    ...(link.port
      ? [
          ['port', link.port],
          ['baud', link.baudRate],
        ]
      : []),
    ...(link.lines ? [['serial lines', `${link.lines.in} in · ${link.lines.out} out`]] : []),
    [
      'handshake',
      link.kind?.startsWith('emulated')
        ? 'in-process'
        : link.linkStatus
          ? `done (status ${link.linkStatus})`
          : 'pending',
    ],
    ['bus', `${s.bus?.url ?? '—'} ${s.bus?.connected ? '✓' : '✗'}`],
    ['commands on', s.bus?.commandTopic],
  ];
  $('link-info').innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd>${escapeHtml(String(v ?? '—'))}</dd>`).join('');
  const h = s.bridgeHealth ?? {};
  const c = h.counters ?? {};
  const hrows = [
    ['uptime', `${h.uptimeS ?? 0} s`],
    ['messages', `${c.messagesIn ?? 0} in · ${c.messagesOut ?? 0} out`],
    ['queue depth', h.queueDepth],
    ['reconnects', c.reconnects],
    [
      'ack latency',
      h.ackLatencyMs ? `p50 ${h.ackLatencyMs.p50} ms · p99 ${h.ackLatencyMs.p99} ms (${h.ackLatencyMs.count})` : '—',
    ],
    ...Object.entries(c)
      .filter(([k, v]) => (k.startsWith('error.') || k.startsWith('dropped.') || k.startsWith('link.')) && v > 0)
      .map(([k, v]) => [k, v]),
  ];
  $('health').innerHTML = hrows
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v ?? '—'))}</dd>`)
    .join('');
  const errs = s.errors ?? [];
  $('errors').innerHTML = errs.length
    ? errs
        .slice(0, 20)
        .map(
          (e) =>
            `<li><span class="muted">${fmtTime(e.t)}</span> <span ` +
            `class="code">${escapeHtml(e.code)}</span>${escapeHtml(e.reason)}</li>`,
        )
        .join('')
    : '<li class="muted">none</li>';
}

function drawLog(s) {
  const f = $('log-filter').value.trim().toLowerCase();
  const rows = (s.log ?? []).filter(
    (e) => !f || e.text.toLowerCase().includes(f) || e.topic.toLowerCase().includes(f) || e.kind.includes(f),
  );
  $('log').innerHTML = rows
    .slice(-150)
    .reverse()
    .map(
      (e) =>
        `<li class="k-${escapeHtml(e.kind)}"><span class="t">${fmtTime(e.t)}</span><span ` +
        `class="topic">${escapeHtml(e.topic)}</span>${escapeHtml(e.text)}</li>`,
    )
    .join('');
}

function escapeHtml(v) {
  return v.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function drawCharts() {
  drawChart($('chart-temp'), history, { key: 'temp', colour: '#ff9f5a', unit: '°', label: 'temperature °C' });
  drawChart($('chart-humi'), history, { key: 'humi', colour: '#4fb3ff', unit: '%', label: 'humidity % RH' });
  drawChart($('chart-rain'), history, {
    key: 'rain',
    colour: '#9fd0ff',
    unit: '',
    min: 0,
    max: 1,
    step: true,
    label: 'rain (1 = raining)',
  });
}

function render(s) {
  state = s;
  // New readings extend the history the page fetched at start.
  if (s.climate && s.climate.t > lastClimateT) {
    lastClimateT = s.climate.t;
    history.push({ t: s.climate.t, temp: s.climate.temp, humi: s.climate.humi });
  }
  if (s.rain && s.rain.t > lastRainT) {
    lastRainT = s.rain.t;
    history.push({ t: s.rain.t, rain: s.rain.raining ? 1 : 0 });
  }
  if (history.length > 2000) history = history.filter((_, i) => i % 2 === 0);
  drawHeader(s);
  drawScene(s);
  drawStatus(s);
  drawHealth(s);
  drawLog(s);
  drawCharts();
}

async function sendCommand(payload) {
  const box = $('ack');
  box.className = 'ack';
  box.textContent = `sending ${typeof payload === 'string' ? payload : JSON.stringify(payload)} …`;
  try {
    const r = await postJson(`/api/command${homeQuery}`, { payload });
    const reply = r.reply;
    if (reply.command === 'ack') {
      box.className = 'ack ok';
      box.textContent =
        `ack ${reply.request} → ${reply.status}${reply.changed ? '' : ' (no change)'} · bridge ` +
        `${reply.latencyMs} ms · round trip ${r.roundTripMs} ms`;
    } else {
      box.className = 'ack bad';
      box.textContent = `error ${reply.code}: ${reply.reason} · round trip ${r.roundTripMs} ms`;
    }
  } catch (e) {
    box.className = 'ack bad';
    box.textContent = `not sent: ${e.message}`;
  }
}

const control = (fields) => sendCommand({ Producer: 'panel', command: 'control', ...fields });
$('ctl-power').addEventListener('input', () => ($('ctl-power-out').value = $('ctl-power').value));
$('ctl-aircon').addEventListener('click', () =>
  control({
    aircon: state.decoded?.aircon.on ? { enabled: false } : { enabled: true, power: Number($('ctl-power').value) },
  }),
);
$('ctl-power').addEventListener(
  'change',
  () => state.decoded?.aircon.on && control({ aircon: { enabled: true, power: Number($('ctl-power').value) } }),
);
const lightFields = () => ({
  enabled: true,
  color: Number($('ctl-colour').value),
  effect: Number($('ctl-effect').value),
  brightness: Number($('ctl-bright').value),
});
$('ctl-light').addEventListener('click', () =>
  control({ light: state.decoded?.light.on ? { enabled: false } : lightFields() }),
);
for (const id of ['ctl-colour', 'ctl-effect', 'ctl-bright'])
  $(id).addEventListener('change', () => control({ light: lightFields() }));
$('ctl-window').addEventListener('click', () => control({ window: state.decoded?.windowOpen ? 'close' : 'open' }));
$('ctl-gas').addEventListener('click', () => control({ gasValve: state.decoded?.gasValveOpen ? 'close' : 'open' }));
$('raw-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = $('raw').value.trim();
  if (!v) return;
  let payload = v;
  if (v.startsWith('{')) {
    try {
      payload = JSON.parse(v);
    } catch {
      payload = v; // sent as typed: the bridge's error report says what is wrong
    }
  }
  void sendCommand(payload);
});
$('log-filter').addEventListener('input', () => drawLog(state));
for (const b of document.querySelectorAll('.hw-button')) {
  const press = async () => {
    if (!state.physical) return;
    b.classList.add('down');
    setTimeout(() => b.classList.remove('down'), state.buttonHoldMs ?? 1000);
    try {
      await postJson('/api/press', { button: b.dataset.button, action: 'click' });
    } catch (e) {
      $('ack').textContent = `button: ${e.message}`;
    }
  };
  b.addEventListener('click', press);
  b.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && press());
}
window.addEventListener('resize', drawCharts);

const first = await getJson(`/api/state${homeQuery}`);
({ colours: COLOURS, colourRgb: COLOUR_RGB, effects: EFFECTS, modes: MODES } = first.names);
for (const [i, c] of COLOURS.entries()) $('ctl-colour').add(new Option(c, String(i)));
for (const [i, e] of EFFECTS.entries()) $('ctl-effect').add(new Option(e, String(i)));
history = first.history ?? [];
lastClimateT = first.climate?.t ?? 0;
lastRainT = first.rain?.t ?? 0;
render(first);
subscribe(`/events${homeQuery}`, render, (ok) => {
  $('stream').textContent = ok ? 'live' : 'reconnecting…';
  $('stream').className = `badge ${ok ? 'ok' : 'warn'}`;
});
