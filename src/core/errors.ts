/**
 * One error class with stable codes. Tests assert codes, never wording; every bus command handler
 * turns a BridgeError into one structured error report.
 */
export const ErrorCode = {
  // status / command string
  STATUS_LENGTH: 'STATUS_LENGTH',
  STATUS_NOT_DIGIT: 'STATUS_NOT_DIGIT',
  STATUS_RANGE: 'STATUS_RANGE',
  // JSON commands and payloads
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  PAYLOAD_NOT_JSON: 'PAYLOAD_NOT_JSON',
  PAYLOAD_INVALID: 'PAYLOAD_INVALID',
  COMMAND_UNKNOWN: 'COMMAND_UNKNOWN',
  // configuration
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_UNREADABLE: 'CONFIG_UNREADABLE',
  // links and devices
  LINK_NOT_READY: 'LINK_NOT_READY',
  LINK_TIMEOUT: 'LINK_TIMEOUT',
  LINK_CLOSED: 'LINK_CLOSED',
  DEVICE_REJECTED: 'DEVICE_REJECTED',
  PROTOCOL_MISMATCH: 'PROTOCOL_MISMATCH',
  // the board's firmware was built from other pins or timings than devices.json (or cannot say)
  BOARD_BUILD_MISMATCH: 'BOARD_BUILD_MISMATCH',
  LINE_CHECKSUM: 'LINE_CHECKSUM',
  LINE_TOO_LONG: 'LINE_TOO_LONG',
  LINE_GARBLED: 'LINE_GARBLED',
  LINE_UNKNOWN: 'LINE_UNKNOWN',
  PORT_UNAVAILABLE: 'PORT_UNAVAILABLE',
  HEX_INVALID: 'HEX_INVALID',
  FIRMWARE_BUILD: 'FIRMWARE_BUILD',
  FIRMATA_TIMEOUT: 'FIRMATA_TIMEOUT',
  // bus
  BROKER_UNREACHABLE: 'BROKER_UNREACHABLE',
  BROKER_PORT_BUSY: 'BROKER_PORT_BUSY',
  BROKER_AUTH: 'BROKER_AUTH',
  BROKER_REFUSED: 'BROKER_REFUSED',
  BROKER_TIMEOUT: 'BROKER_TIMEOUT',
  CLIENT_ID_CONFLICT: 'CLIENT_ID_CONFLICT',
  QUEUE_OVERFLOW: 'QUEUE_OVERFLOW',
  // generic
  TIMEOUT: 'TIMEOUT',
  INTERNAL: 'INTERNAL',
  // serial line protocol: a field handed to an encoder is not valid on the wire
  LINE_FIELD_INVALID: 'LINE_FIELD_INVALID',
  // test harness, scenarios, recordings
  EXPECTATION_FAILED: 'EXPECTATION_FAILED',
  FAULT_UNSUPPORTED: 'FAULT_UNSUPPORTED',
  PHYSICAL_UNSUPPORTED: 'PHYSICAL_UNSUPPORTED',
  SCENARIO_INVALID: 'SCENARIO_INVALID',
  RECORDING_INVALID: 'RECORDING_INVALID',
  REPLAY_MISMATCH: 'REPLAY_MISMATCH',
  // outgoing queue journal (--queue-file): unreadable, unwritable, or held by another bridge
  QUEUE_FILE: 'QUEUE_FILE',
  // emergency broadcasts over AMQP (--amqp-url): exchange missing, login refused, connection lost
  EMERGENCY_UNAVAILABLE: 'EMERGENCY_UNAVAILABLE',
  // --rtdb-file (the original backend's realtimedb.json): not a JSON object, or not writable
  RTDB_FILE: 'RTDB_FILE',
  // the panel (--http): its port is taken by another program
  HTTP_PORT_BUSY: 'HTTP_PORT_BUSY',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isBridgeError(e: unknown, code?: ErrorCode): e is BridgeError {
  return e instanceof BridgeError && (code === undefined || e.code === code);
}

/** Any thrown value as a BridgeError (unknown errors become INTERNAL, keeping their message). */
export function toBridgeError(e: unknown): BridgeError {
  if (e instanceof BridgeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new BridgeError(ErrorCode.INTERNAL, message);
}
