// Types for the functions ready.mjs exports (used by test/support/brokers.ts).
export interface ProbeOptions {
  host?: string;
  port: number;
  user?: string;
  pass?: string;
  timeoutMs?: number;
  clientId?: string;
}
/** One raw MQTT 3.1.1 CONNECT: the CONNACK return code, or null when none arrived. */
export function probeMqtt(options: ProbeOptions): Promise<number | null>;
/** True when a TCP connection to host:port succeeds. */
export function tcpOpen(port: number, host?: string, timeoutMs?: number): Promise<boolean>;
export function connectPacket(options: { clientId: string; user?: string; pass?: string }): Buffer;
