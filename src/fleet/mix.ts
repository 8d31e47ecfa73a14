import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * Which homes of a fleet run the firmware (our sketch on an emulated Uno behind the serial link) and
 * which the TypeScript home. On the bus the two differ only in the availability's `link` field.
 */
export type HomeKind = 'emulated' | 'firmware';
export const HOME_KINDS: readonly HomeKind[] = ['emulated', 'firmware'];

export interface FleetMix {
  firmware: number;
  emulated: number;
}

/** Parses `firmware:20,emulated:980` (either order, either part may be left out = 0). */
export function parseMix(text: string): FleetMix {
  const mix: FleetMix = { firmware: 0, emulated: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^(firmware|emulated):(\d+)$/.exec(part);
    if (!m || seen.has(m[1]!)) {
      throw new BridgeError(
        ErrorCode.CONFIG_INVALID,
        '--mix wants kind:count pairs, each kind once, e.g. firmware:20,emulated:980 (kinds: ' +
          `${HOME_KINDS.join(', ')}), got ${JSON.stringify(text)}`,
      );
    }
    seen.add(m[1]!);
    mix[m[1] as HomeKind] = Number(m[2]);
  }
  if (mix.firmware + mix.emulated < 1)
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--mix must add up to at least one home, got ${JSON.stringify(text)}`,
    );
  return mix;
}

/**
 * The fleet's mix from `--link`, `--homes` and `--mix`: `--link` alone makes every home that kind;
 * `--mix` sets the counts (and `--homes`, when given, must be their sum).
 */
export function resolveMix(link: HomeKind, homes: number | undefined, mixText: string | undefined): FleetMix {
  if (mixText === undefined) {
    if (homes === undefined)
      throw new BridgeError(ErrorCode.CONFIG_INVALID, 'fleet needs --homes N (or --mix firmware:F,emulated:E)');
    return link === 'firmware' ? { firmware: homes, emulated: 0 } : { firmware: 0, emulated: homes };
  }
  const mix = parseMix(mixText);
  const total = mix.firmware + mix.emulated;
  if (homes !== undefined && homes !== total)
    throw new BridgeError(ErrorCode.CONFIG_INVALID, `--homes ${homes} does not match --mix (${total} homes)`);
  return mix;
}

/**
 * Home `index` of `homes` runs the firmware when the firmware homes, spread evenly over the index
 * range, land on it: with 20 of 1000, every 50th home. Spread, not bunched, so every worker thread and
 * every shard gets its share of boards (contiguous slices would put them all on one thread).
 */
export function homeKind(index: number, mix: FleetMix): HomeKind {
  const homes = mix.firmware + mix.emulated;
  if (mix.firmware === 0) return 'emulated';
  return Math.floor(((index + 1) * mix.firmware) / homes) > Math.floor((index * mix.firmware) / homes)
    ? 'firmware'
    : 'emulated';
}
