import { busConformance } from './bus.js';
import { emulatedRig } from './rig.js';
import { conformanceSuite } from './scenario.js';
import { SCENARIOS } from './scenarios.js';

/** The TypeScript home: the scenarios' expectations, on a virtual clock. */
conformanceSuite('emulated', SCENARIOS, emulatedRig);
busConformance('emulated', emulatedRig);
