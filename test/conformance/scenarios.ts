import { commandScenarios } from './commands.js';
import { physicalScenarios } from './physical.js';
import type { Scenario } from './scenario.js';
import { sensorScenarios } from './sensors.js';

/** The conformance scenarios, written once for every link (docs/home-behaviour.md is their source). */
export const SCENARIOS: readonly Scenario[] = [...commandScenarios, ...physicalScenarios, ...sensorScenarios];
