/**
 * The public library API of smarthome-bridge: embed the bridge (startRuntime), work with Car2Home
 * status strings, and drive a home from tests (startHome, scenario files). Everything exported is
 * listed here by name; anything else is internal and may change.
 */

// Composition root
export { startRuntime } from './runtime.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { Bridge } from './bridge.js';
export type { BridgeOptions } from './bridge.js';

// Configuration (devices.json)
export {
  loadDevicesConfig,
  parseDevicesConfig,
  defaultDevicesConfig,
  shippedDevicesConfig,
  DEFAULT_DEVICES_PATH,
} from './config/load.js';
export type { DevicesConfig } from './config/schema.js';

// The status string and the home's words
export {
  BOOT_STATUS,
  STATUS_LENGTH,
  MODE_NAMES,
  COLOUR_NAMES,
  EFFECT_NAMES,
  validateCommand,
  validateStatus,
  isValidCommand,
  mergeCommand,
  decodeStatus,
  encodeStatus,
  withDigit,
  describeStatus,
  describeCommand,
} from './home/status-codec.js';
export type { HomeStatus } from './home/status-codec.js';
export { BUTTONS } from './home/types.js';
export type {
  StatusString,
  StatusCause,
  StatusReport,
  ButtonName,
  SensorReading,
  HomeEvent,
  Outputs,
} from './home/types.js';

// Bus payloads and topics
export { decodeRequest, controlToCommand } from './bus/command-decoder.js';
export type { Request, JsonControl } from './bus/command-decoder.js';
export type {
  RoutePayloads,
  RouteName,
  StatusPayload,
  SensorPayload,
  EventPayload,
  AckPayload,
  ErrorPayload,
  AvailabilityPayload,
  HealthPayload,
} from './bus/payloads.js';
export { topicMatches, mqttToAmqp, amqpToMqtt } from './core/topics.js';
export { startEmbeddedBroker } from './bus/embedded-broker.js';
export type { EmbeddedBroker } from './bus/embedded-broker.js';

// Errors, clocks, logging
export { BridgeError, ErrorCode, isBridgeError, toBridgeError } from './core/errors.js';
export { RealClock, VirtualClock } from './environment/clock.js';
export type { Clock, Timer } from './environment/clock.js';
export { createLogger, silentLogger } from './core/logger.js';

// Links
export { createLink } from './links/create.js';
export type { LinkSpec, LinkContext } from './links/create.js';
export type { Link, LinkEvents, LinkKind, LinkState } from './links/link.js';
export { EmulatedLink } from './links/emulated.js';
export type { EmulatedLinkOptions } from './links/emulated.js';
export { hasPhysicalAccess } from './links/physical.js';
export type { PhysicalAccess, ConditionsPatch, WithPhysicalAccess } from './links/physical.js';
export { physicalAccessOf } from './links/physical.js';
export { LINK_FAULTS, hasFaultInjection } from './links/faults.js';
export type { LinkFault, LinkFaultOptions, FaultInjection, WithFaultInjection } from './links/faults.js';

// Test harness
export { startHome, DEFAULT_VIRTUAL_START } from './harness/start-home.js';
export type { StartHomeOptions } from './harness/start-home.js';
export { TestHome } from './harness/test-home.js';
export type { WithinOptions, SendOptions } from './harness/test-home.js';
export { FAULT_NAMES } from './harness/faults.js';
export type { FaultName, FaultOptions } from './harness/faults.js';
export { statusMatches, messageMatches } from './harness/match.js';
export type { MessageMatch } from './harness/match.js';
export type { ObservedMessage } from './harness/observer.js';
export { toMs } from './harness/duration.js';
export type { Duration } from './harness/duration.js';

// The panel (docs/panel.md)
export { startHomePanel } from './http/home-panel.js';
export type { HomePanelOptions, Panel } from './http/home-panel.js';
export { startFleetPanel } from './http/fleet-panel.js';
export type { FleetPanelOptions } from './http/fleet-panel.js';
export { startBoardPanel } from './http/board-panel.js';
export type { BoardPanelOptions } from './http/board-panel.js';
export { parseHttpBind } from './http/address.js';
export type { HttpBind } from './http/address.js';
