import { beforeAll, expect } from 'vitest';
import { emulatedRig } from '../../conformance/rig.js';
import { conformanceSuite } from '../../conformance/scenario.js';
import { SCENARIOS } from '../../conformance/scenarios.js';
import { firmataConformanceRig } from './support/conformance-rig.js';
import { FETCH_TIMEOUT_MS, standardFirmata } from './support/standard-firmata.js';

/**
 * The conformance scenarios the Firmata link can express, on StandardFirmata on the emulated Uno: the
 * scenarios' own expectations, and the same status reports, acknowledgements, errors, events and rain
 * and climate readings as the TypeScript home running the same scenario.
 *
 * Left out: the sensor drift over simulated hours. This rig has no room physics (its sensors show the
 * volts a test sets), StandardFirmata busy-loops so two simulated hours take most of an hour here, and
 * johnny-five's TMP36 reading has whole degrees, not a DHT11's 0.1 °C.
 */
const EXPRESSIBLE = SCENARIOS.filter((s) => !/^sensor drift/.test(s.name));
expect(SCENARIOS.length - EXPRESSIBLE.length).toBe(1);

beforeAll(async () => {
  await standardFirmata();
}, FETCH_TIMEOUT_MS);

// Each scenario boots StandardFirmata and runs some simulated seconds unpaced: allow for a loaded machine.
conformanceSuite(
  'firmata',
  EXPRESSIBLE.map((s) => ({ ...s, timeoutMs: Math.max(s.timeoutMs ?? 0, 240_000) })),
  firmataConformanceRig,
  emulatedRig,
);
