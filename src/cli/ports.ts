import type { Argv, CommandModule } from 'yargs';
// TypeScript takes resolution-mode on a type-only import (these types are CommonJS).
// biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode for CommonJS types
import type { PortInfo } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { BridgeError, ErrorCode } from '../core/errors.js';

/** USB vendor ids found on Unos and their clones, and what they mean. */
const USB_VENDORS: Record<string, string> = {
  '2341': 'Arduino',
  '2a03': 'Arduino (arduino.org)',
  '1a86': 'CH340 USB serial, common on Uno clones',
  '0403': 'FTDI USB serial, e.g. older or clone Arduinos',
  '10c4': 'CP210x USB serial, e.g. clone Arduinos',
};

export interface PortRow {
  path: string;
  manufacturer?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  /** Why this port is probably an Arduino, if it is. */
  likelyArduino?: string | undefined;
}

export function describePort(p: PortInfo): PortRow {
  const vendor = p.vendorId?.toLowerCase();
  const byVendor = vendor !== undefined ? USB_VENDORS[vendor] : undefined;
  const byName = /arduino/i.test(`${p.manufacturer ?? ''} ${p.pnpId ?? ''}`) ? 'Arduino' : undefined;
  return {
    path: p.path,
    manufacturer: p.manufacturer,
    vendorId: p.vendorId,
    productId: p.productId,
    serialNumber: p.serialNumber,
    likelyArduino: byVendor ?? byName,
  };
}

/** Lists ports; a listing that fails (no udev in a container) becomes one clear BridgeError. */
export async function listPorts(list?: () => Promise<PortInfo[]>): Promise<PortRow[]> {
  const lister = list ?? (await import('serialport')).SerialPort.list;
  try {
    return (await lister()).map(describePort);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const why =
      /udevadm/.test(message) && /ENOENT/.test(message)
        ? 'udevadm was not found (serialport lists ports through udev, which this machine or container lacks; ' +
          'install udev)'
        : message;
    throw new BridgeError(
      ErrorCode.PORT_UNAVAILABLE,
      `cannot list serial ports: ${why}. Name the port directly instead, e.g. --link serial --port /dev/ttyACM0`,
    );
  }
}

export function formatPorts(rows: PortRow[]): string {
  if (rows.length === 0) return 'no serial ports found (is the board plugged in?)\n';
  const cells = rows.map((r) => [
    r.path,
    r.manufacturer ?? '-',
    r.vendorId ? `${r.vendorId}:${r.productId ?? '????'}` : '-',
    r.likelyArduino ? `<- likely an Arduino (${r.likelyArduino})` : '',
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i]!.length)));
  return `${cells
    .map((c) =>
      c
        .map((v, i) => (i < 3 ? v.padEnd(widths[i]!) : v))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

interface PortsArgs {
  json: boolean;
}

export const portsCommand: CommandModule<object, PortsArgs> = {
  command: 'ports',
  describe: 'List serial ports (path, manufacturer, USB vendor:product) and mark likely Arduinos.',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the list as JSON.' })
      .example('$0 ports', '/dev/ttyACM0  Arduino (www.arduino.cc)  2341:0043  <- likely an Arduino (Arduino)')
      .example('$0 ports --json', 'the same as JSON, for scripts') as unknown as Argv<PortsArgs>,
  handler: async (a) => {
    const rows = await listPorts();
    process.stdout.write(a.json ? `${JSON.stringify(rows, null, 2)}\n` : formatPorts(rows));
  },
};
