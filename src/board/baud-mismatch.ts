/**
 * What a UART receiver set to `rxBaud` makes of 8N1 frames that a sender transmits back to back at
 * `txBaud`, sampled the way an AVR USART does: it waits for the line to go low (start bit), checks the
 * start bit in its middle, samples the 8 data bits LSB first in their middles by its own clock, samples
 * the stop bit, then hunts for the next start bit. Rates within about ±4 % decode correctly, as on real
 * hardware; a real mismatch (57600 vs 115200) yields garbage, dropped or extra bytes. Framing errors
 * are not reported (the Arduino core ignores them too); the line is idle (high) after the last frame.
 */
export function receiveAtBaud(bytes: Uint8Array, txBaud: number, rxBaud: number): Uint8Array {
  if (!(txBaud > 0) || !(rxBaud > 0)) throw new RangeError(`baud rates must be > 0: ${txBaud}, ${rxBaud}`);
  const ratio = txBaud / rxBaud; // one receiver bit, in sender bit times
  if (Math.abs(ratio - 1) < 0.02 || bytes.length === 0) return bytes;
  const frameBits = 10;
  const end = bytes.length * frameBits;
  const level = (t: number): number => {
    const idx = Math.floor(t);
    if (idx >= end) return 1;
    const inFrame = idx % frameBits;
    if (inFrame === 0) return 0;
    if (inFrame === 9) return 1;
    return (bytes[(idx - inFrame) / frameBits]! >> (inFrame - 1)) & 1;
  };
  const out: number[] = [];
  let t = 0;
  while (t < end) {
    // Hunt for a low level: now, or at the next sender bit boundary where the line drops.
    let start = t;
    if (level(start) === 1) {
      start = Math.floor(t) + 1;
      while (start < end && level(start) === 1) start++;
      if (start >= end) break;
    }
    if (level(start + 0.5 * ratio) !== 0) {
      t = start + 0.5 * ratio; // a glitch, not a start bit
      continue;
    }
    let value = 0;
    for (let bit = 0; bit < 8; bit++) value |= level(start + (1.5 + bit) * ratio) << bit;
    out.push(value);
    t = start + 9.5 * ratio;
  }
  return Uint8Array.from(out);
}
