import type { TypedEmitter } from '../core/events.js';
import type { BridgeError } from '../core/errors.js';
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
