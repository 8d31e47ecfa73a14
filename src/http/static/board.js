// The board view: the emulated Uno's pins and parts, polled from /api/board five times a second; the
// pushbuttons press the board's button pins (POST /api/press), as a finger would.
import { getJson, linkTo, postJson } from './api.js';

const $ = (id) => document.getElementById(id);
const pinName = (p) => (p < 14 ? `D${p}` : `A${p - 14}`);
$('nav-home').href = linkTo('/home');

function render(b) {
  $('millis').textContent = `millis() ${b.millis.toLocaleString()}`;
  $('uno').led13 = b.pins[13].high;
  const angle = b.servo.angle ?? 0;
  $('servo').angle = Math.round(angle);
  $('servo-text').textContent = b.servo.pulseUs
    ? `${Math.round(angle)}° · ${Math.round(b.servo.pulseUs)} µs · window ${Math.round(b.servo.windowAngle)}°`
    : 'no pulse yet';
  $('servo-pin').textContent = pinName(b.servo.pin);
  const d = b.light.duty;
  Object.assign($('rgb'), { ledRed: d.r / 255, ledGreen: d.g / 255, ledBlue: d.b / 255 });
  $('rgb-text').textContent = `R ${d.r} · G ${d.g} · B ${d.b}`;
  $('fan').value = b.fan.duty > 0;
  $('fan').brightness = b.fan.duty / 255;
  $('fan-text').textContent = `duty ${b.fan.duty}/255 (${Math.round((b.fan.duty / 255) * 100)} %)`;
  $('fan-pin').textContent = pinName(b.fan.pin);
  $('gas').value = b.gasValve.open;
  $('gas-text').textContent = b.gasValve.open ? 'OPEN' : 'closed';
  $('gas-pin').textContent = pinName(b.gasValve.pin);
  $('dht-text').textContent =
    b.dht.temperature !== undefined ? `${b.dht.temperature} °C · ${b.dht.humidity} %` : 'not read yet';
  $('dht-pin').textContent = `${pinName(b.dht.pin)} · ${b.dht.answers} reads`;
  for (const [name, v] of Object.entries(b.buttons)) {
    $(`btn-${name}`).pressed = v.pressed;
    $(`pin-${name}`).textContent = `${pinName(v.pin)} ${v.pressed ? '(pressed)' : ''}`;
  }
  $('pins').innerHTML = b.pins
    .map(
      (p) =>
        `<div class="pin ${p.high ? 'high' : ''} ${p.output ? 'out' : ''}" ` +
        `title="${p.output ? 'output' : 'input'}">${pinName(p.pin)}</div>`,
    )
    .join('');
  $('inputs').innerHTML = [
    ['rain sensor', `${pinName(b.rain.pin)} ${b.rain.high ? 'high' : 'low'}`],
    ['window contact', `${pinName(b.contact.pin)} ${b.contact.high ? 'high (open)' : 'low (closed)'}`],
  ]
    .map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`)
    .join('');
}

for (const name of ['aircon', 'light', 'gas']) {
  $(`btn-${name}`).addEventListener(
    'click',
    () => void postJson('/api/press', { button: name, action: 'click' }).catch(() => undefined),
  );
}

async function tick() {
  try {
    render(await getJson('/api/board'));
    $('stream').textContent = 'live';
    $('stream').className = 'badge ok';
  } catch {
    $('stream').textContent = 'reconnecting…';
    $('stream').className = 'badge warn';
  }
  setTimeout(tick, 200);
}
void tick();
