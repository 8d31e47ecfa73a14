import type { Logger } from 'pino';
import type { DevicesConfig } from '../config/schema.js';
import type { TypedEmitter } from '../core/events.js';
import type { BridgeError } from '../core/errors.js';
import type { Clock } from '../environment/clock.js';
import type { HomeEvent, SensorReading, StatusReport, StatusString } from '../home/types.js';

/**
 * The edge to one device. Every link — emulated, serial, firmata, firmware, replay — looks like this to
 * the bridge; a link never sees MQTT.
 *
 * Error semantics:
 * - `start()` resolves once the device is ready and its status is known; it rejects with a BridgeError
 *   (PORT_UNAVAILABLE, PROTOCOL_MISMATCH, FIRMATA_TIMEOUT, …) when the device cannot be reached at all.
 * - `apply()` resolves with the status after the command, or rejects with a BridgeError:
 *   LINK_NOT_READY (device away), LINK_TIMEOUT (no acknowledgement), DEVICE_REJECTED (the device said
 *   no, with its reason). A rejected command changed nothing.
 * - Trouble that is not the answer to a call (a garbled line, an unplugged cable, a silent board) is
 *   emitted as `error` with a BridgeError and never thrown; the link keeps trying to serve.
 */
export type LinkState = 'starting' | 'ready' | 'unresponsive' | 'disconnected' | 'stopped';

export interface LinkEvents {
  [event: string]: unknown[];
  status: [StatusReport];
  sensor: [SensorReading];
  event: [HomeEvent];
  error: [BridgeError];
  state: [LinkState];
}

export type LinkKind = 'emulated' | 'serial' | 'firmata' | 'firmware' | 'replay';

export interface Link extends TypedEmitter<LinkEvents> {
  readonly kind: LinkKind;
  readonly state: LinkState;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Applies a validated command string; resolves with the status after it. */
  apply(command: StatusString): Promise<StatusString>;
  /** Asks the device for its status now (emits a `status` report with cause `request`). */
  requestStatus(): Promise<StatusString>;
  /** Last known status, or undefined before the first report. */
  readonly status: StatusString | undefined;
  /** Per-cause counters of dropped input and errors, for health reports. */
  counters(): Record<string, number>;
}

/** What a user asks for on the command line or through the library API. */
export type LinkSpec =
  | { kind: 'emulated'; seed?: number | undefined; initialStatus?: string | undefined }
  | { kind: 'serial'; port: string; baudRate?: number | undefined }
  | {
      kind: 'firmware';
      /** .hex to run (default: the committed build of firmware/smarthome). */
      hex?: string | undefined;
      /** Board pacing: 1 = real time, N× real time, Infinity = unpaced (default: the clock's speed). */
      speed?: number | undefined;
      /** `unpaced` = speed Infinity (tests); `realtime` = the clock's speed. */
      pacing?: 'realtime' | 'unpaced' | undefined;
      seed?: number | undefined;
    }
  | { kind: 'firmata'; port: string; baudRate?: number | undefined }
  | { kind: 'replay'; file: string };

export interface LinkContext {
  config: DevicesConfig;
  clock: Clock;
  logger: Logger;
}

/** A link object rather than a LinkSpec asking for one. */
export function isLink(v: LinkSpec | Link): v is Link {
  return typeof (v as Link).apply === 'function';
}
