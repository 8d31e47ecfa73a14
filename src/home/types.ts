/** The words of the home, shared by every link and by the bus codecs. */

/** A validated 9-digit Car2Home status string (also the legacy command format). */
export type StatusString = string;

/** `restore`: the bridge brought the device back to the status stored before a restart (src/restore.ts). */
export type StatusCause = 'boot' | 'command' | 'button' | 'window' | 'request' | 'resync' | 'restore';

export interface StatusReport {
  status: StatusString;
  cause: StatusCause;
  /** Clock time (ms) of the change. */
  time: number;
}

export type ButtonName = 'aircon' | 'light' | 'gas';
export const BUTTONS: readonly ButtonName[] = ['aircon', 'light', 'gas'];

export type SensorReading =
  | { sensor: 'climate'; temperature: number; humidity: number; time: number }
  | { sensor: 'rain'; raining: boolean; time: number };

export type HomeEvent =
  | { event: 'button'; button: ButtonName; time: number }
  | { event: 'window'; open: boolean; time: number };

/** Physical outputs, as the pins would show them. Links that can see pins report these. */
export interface Outputs {
  /** Window angle in degrees. */
  windowAngle: number;
  /** Fan PWM duty 0–255. */
  fanDuty: number;
  /** Mood light channel duties 0–255. */
  light: { r: number; g: number; b: number };
  gasValveOpen: boolean;
}
