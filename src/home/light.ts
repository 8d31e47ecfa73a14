/**
 * What the RGB mood light shows at a moment: docs/home-behaviour.md §3.4. Pure: the time since the
 * light's settings last changed decides the effect phase.
 */
export const COLOUR_TABLE: readonly (readonly [number, number, number])[] = [
  [255, 255, 255],
  [255, 0, 0],
  [0, 0, 255],
  [0, 255, 0],
  [255, 255, 80],
  [130, 70, 190],
  [255, 100, 60],
  [0, 170, 255],
];

export interface LightSettings {
  on: boolean;
  brightness: number;
  colour: number;
  effect: number;
}

export interface LightTiming {
  dutyPerBrightnessStep: number;
  sleepStepMs: number;
  guideStepMs: number;
  treeStepMs: number;
}

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

const OFF: Rgb = { r: 0, g: 0, b: 0 };
const SLEEP_STEPS = 10;

function scaled(colour: number, level: number): Rgb {
  const [r, g, b] = COLOUR_TABLE[colour % 8]!;
  return { r: Math.round((r * level) / 255), g: Math.round((g * level) / 255), b: Math.round((b * level) / 255) };
}

/** Channel duties 0–255 at `elapsedMs` after the light settings last changed. */
export function lightOutput(s: LightSettings, timing: LightTiming, elapsedMs: number): Rgb {
  if (!s.on) return OFF;
  const peak = s.brightness * timing.dutyPerBrightnessStep;
  const elapsed = Math.max(0, elapsedMs);
  switch (s.effect) {
    case 1: {
      // Breathing: 0 → peak → 0 in SLEEP_STEPS steps each way.
      const step = Math.floor(elapsed / timing.sleepStepMs) % (2 * SLEEP_STEPS);
      const up = step <= SLEEP_STEPS ? step : 2 * SLEEP_STEPS - step;
      return scaled(s.colour, Math.round((peak * up) / SLEEP_STEPS));
    }
    case 2:
      return scaled((s.colour + Math.floor(elapsed / timing.guideStepMs)) % 8, peak);
    case 3:
      return scaled((s.colour + (Math.floor(elapsed / timing.treeStepMs) % 2)) % 8, peak);
    default:
      return scaled(s.colour, peak);
  }
}
