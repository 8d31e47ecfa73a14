// A small line chart on a canvas: the readings since start, no chart library.
export function drawChart(canvas, points, { key, colour, unit, min, max, step = false, label }) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== w * dpr || canvas.height !== h * dpr) {
    canvas.width = w * dpr;
    canvas.height = h * dpr;
  }
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const data = points.filter((p) => p[key] !== undefined);
  const padL = 38;
  const padB = 18;
  const padT = 20;
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#9fb0c8';
  g.fillText(label, padL, 12);
  if (data.length === 0) {
    g.fillText('waiting for the first reading…', padL, h / 2);
    return;
  }
  let lo = min ?? Math.min(...data.map((p) => p[key]));
  let hi = max ?? Math.max(...data.map((p) => p[key]));
  if (hi - lo < 1) {
    hi += 0.5;
    lo -= 0.5;
  }
  const t0 = data[0].t;
  const t1 = Math.max(data[data.length - 1].t, t0 + 1000);
  const x = (t) => padL + ((t - t0) / (t1 - t0)) * (w - padL - 8);
  const y = (v) => padT + (1 - (v - lo) / (hi - lo)) * (h - padT - padB);
  g.strokeStyle = '#2a3850';
  g.lineWidth = 1;
  for (let i = 0; i <= 2; i++) {
    const v = lo + ((hi - lo) * i) / 2;
    g.beginPath();
    g.moveTo(padL, y(v));
    g.lineTo(w - 8, y(v));
    g.stroke();
    g.fillText(`${Math.round(v * 10) / 10}${unit}`, 2, y(v) + 4);
  }
  const mins = Math.round((t1 - t0) / 60000);
  g.fillText(mins >= 1 ? `last ${mins} min (clock)` : `last ${Math.round((t1 - t0) / 1000)} s (clock)`, w - 130, h - 4);
  g.strokeStyle = colour;
  g.lineWidth = 2;
  g.beginPath();
  data.forEach((p, i) => {
    const px = x(p.t);
    const py = y(p[key]);
    if (i === 0) g.moveTo(px, py);
    else if (step) {
      g.lineTo(px, y(data[i - 1][key]));
      g.lineTo(px, py);
    } else g.lineTo(px, py);
  });
  if (step) g.lineTo(w - 8, y(data[data.length - 1][key]));
  g.stroke();
  // The latest reading as a dot (the only mark while there is one reading).
  const lastPoint = data[data.length - 1];
  g.fillStyle = colour;
  g.beginPath();
  g.arc(x(lastPoint.t), y(lastPoint[key]), 3.5, 0, 2 * Math.PI);
  g.fill();
}
