import type { LinkSpec } from '../links/create.js';
import type { StepKind, StepOf } from './schema.js';

/** Where something is in a scenario file (1-based line and column). */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export const formatPos = (p: SourcePos): string => `${p.file}:${p.line}:${p.column}`;

/** One validated step, with where it is written. */
export type ScenarioStep = {
  [K in StepKind]: {
    kind: K;
    /** 1-based, as people count steps. */
    number: number;
    at: SourcePos;
    spec: StepOf<K>;
  };
}[StepKind];

export interface Scenario {
  /** The file as given (for reports). */
  file: string;
  name: string;
  description?: string | undefined;
  /** Where the file says to run (file paths resolved against the scenario's directory). */
  link?: 'emulated' | 'firmware' | LinkSpec | undefined;
  /** devices.json, resolved against the scenario's directory. */
  devices?: string | undefined;
  seed?: number | undefined;
  time?: 'virtual' | 'real' | undefined;
  speed?: number | undefined;
  initialStatus?: string | undefined;
  steps: ScenarioStep[];
}
