import { busConformance } from './bus.js';
import { emulatedRig, firmwareRig } from './rig.js';
import { conformanceSuite } from './scenario.js';
import { SCENARIOS } from './scenarios.js';

/**
 * Our sketch on the emulated Uno (a fresh board per scenario, unpaced): the scenarios' expectations,
 * and the same status reports, acknowledgements, errors, events and sensor readings (climate within one
 * DHT11 quantum) as the TypeScript home running the same scenario.
 */
conformanceSuite('firmware', SCENARIOS, firmwareRig, emulatedRig);
busConformance('firmware', firmwareRig);
