import { BridgeError, ErrorCode } from '../../core/errors.js';
import { BUTTONS, type ButtonName } from '../../home/types.js';
import {
  BOARD,
  BUILD_GROUP,
  BUILD_VALUE,
  COMMAND_TOKEN,
  FIRMWARE,
  LOG_CODE,
  LOG_TEXT,
  MAX_HUMIDITY,
  MAX_UPTIME,
  PROTOCOL,
  STATUS,
  checked,
  formatCounters,
  formatId,
  formatTemperature,
  formatUint,
  parseCounters,
  parseId,
  parseTemperature,
  parseUint,
} from './line-fields.js';
import { frame, reject, unframe } from './line-frame.js';
import {
  BOARD_ERROR_CODES,
  LOG_LEVELS,
  SERIAL_PROTOCOL_VERSION,
  WIRE_STATUS_CAUSES,
  type BoardErrorCode,
  type BoardLine,
  type HostLine,
  type LineRejection,
  type LogLevel,
  type WireStatusCause,
} from './line-types.js';

/**
 * Typed encode and decode of every line of the serial protocol (docs/serial-protocol.md). Decoders never
 * throw: anything that is not exactly a line of this protocol comes back as a LineRejection. Encoders
 * take typed fields, validate each against its wire format and throw LINE_FIELD_INVALID otherwise, so
 * nothing handed in can add a terminator, a second command or a field.
 */

const unknown = (reason: string, id?: number): LineRejection => reject(ErrorCode.LINE_UNKNOWN, reason, id);
const oneOf = <T extends string>(list: readonly T[], text: string | undefined): T | undefined =>
  list.find((v) => v === text);

const HOST_TYPES = { SET: 'set', GET: 'get', PING: 'ping', CNT: 'counters', CFG: 'build' } as const;

/** Decodes a line received by the board (used by fake boards and tests). */
export function decodeHostLine(raw: string): HostLine | LineRejection {
  const fields = unframe(raw);
  if (!Array.isArray(fields)) return fields;
  const [word, idText, command] = fields;
  const type = Object.hasOwn(HOST_TYPES, word!) ? HOST_TYPES[word as keyof typeof HOST_TYPES] : undefined;
  if (type === undefined) return unknown(`unknown host line ${JSON.stringify(word)}`);
  const id = parseId(idText);
  if (id === undefined) return unknown(`${word}: bad id ${JSON.stringify(idText)}`);
  if (type === 'set') {
    if (fields.length !== 3 || !COMMAND_TOKEN.test(command!)) return unknown('SET takes an id and a command', id);
    return { type, id, command: command! };
  }
  if (fields.length !== 2) return unknown(`${word} takes only an id`, id);
  return { type, id };
}

function decodeBoardFields(f: readonly string[]): BoardLine | undefined {
  const n = f.length;
  switch (f[0]) {
    case 'BOOT': {
      // The first three fields keep their meaning in every protocol version; later ones may add more.
      const protocol = n >= 4 && PROTOCOL.test(f[2]!) ? Number(f[2]) : undefined;
      if (protocol === undefined || !FIRMWARE.test(f[1]!) || !BOARD.test(f[3]!)) return undefined;
      if (protocol === SERIAL_PROTOCOL_VERSION && n !== 4) return undefined;
      return { type: 'boot', firmware: f[1]!, protocol, board: f[3]! };
    }
    case 'ACK': {
      const id = parseId(f[1]);
      return n === 3 && id !== undefined && STATUS.test(f[2]!) ? { type: 'ack', id, status: f[2]! } : undefined;
    }
    case 'ERR': {
      const id = parseId(f[1]);
      const code = oneOf<BoardErrorCode>(BOARD_ERROR_CODES, f[2]);
      if (id === undefined || code === undefined) return undefined;
      if (code === 'BAD_ARGS') return n === 3 ? { type: 'error', id, code } : undefined;
      const detail = parseUint(f[3], 99);
      return n === 4 && detail !== undefined ? { type: 'error', id, code, detail } : undefined;
    }
    case 'STATUS': {
      const cause = oneOf<WireStatusCause>(WIRE_STATUS_CAUSES, f[1]);
      return n === 3 && cause !== undefined && STATUS.test(f[2]!)
        ? { type: 'status', cause, status: f[2]! }
        : undefined;
    }
    case 'CLIMATE': {
      const temperature = parseTemperature(f[1]);
      const humidity = parseUint(f[2], MAX_HUMIDITY);
      return n === 3 && temperature !== undefined && humidity !== undefined
        ? { type: 'climate', temperature, humidity }
        : undefined;
    }
    case 'RAIN':
      return n === 2 && (f[1] === '0' || f[1] === '1') ? { type: 'rain', raining: f[1] === '1' } : undefined;
    case 'EVENT': {
      if (n !== 3) return undefined;
      const button = oneOf<ButtonName>(BUTTONS, f[2]);
      if (f[1] === 'button' && button !== undefined) return { type: 'event', event: 'button', button };
      if (f[1] === 'window' && (f[2] === 'open' || f[2] === 'closed')) {
        return { type: 'event', event: 'window', open: f[2] === 'open' };
      }
      return undefined;
    }
    case 'HB': {
      const uptime = parseUint(f[1], MAX_UPTIME);
      const counters = parseCounters(f, 2);
      return n === 6 && uptime !== undefined && counters !== undefined
        ? { type: 'heartbeat', uptime, counters }
        : undefined;
    }
    case 'CNT': {
      const id = parseId(f[1]);
      const counters = parseCounters(f, 2);
      return n === 6 && id !== undefined && counters !== undefined ? { type: 'counters', id, counters } : undefined;
    }
    case 'CFG': {
      const id = parseId(f[1]);
      const values = f.slice(3);
      if (n < 4 || id === undefined || !BUILD_GROUP.test(f[2]!) || !values.every((v) => BUILD_VALUE.test(v)))
        return undefined;
      return { type: 'build', id, group: f[2]!, values };
    }
    default:
      return undefined;
  }
}

/** Decodes a line received by the host. */
export function decodeBoardLine(raw: string): BoardLine | LineRejection {
  const fields = unframe(raw);
  if (!Array.isArray(fields)) return fields;
  if (fields[0] === 'LOG') {
    // LOG <level> <code>[ <text>]: the text is the rest of the body and may hold spaces.
    const level = oneOf<LogLevel>(LOG_LEVELS, fields[1]);
    const code = fields[2];
    const text = fields.slice(3).join(' ');
    if (level === undefined || code === undefined || !LOG_CODE.test(code) || (text !== '' && !LOG_TEXT.test(text))) {
      return unknown('malformed LOG line');
    }
    return { type: 'log', level, code, text };
  }
  return decodeBoardFields(fields) ?? unknown(`not a protocol-${SERIAL_PROTOCOL_VERSION} board line: ${fields[0]}`);
}

/** Encodes a host command; a SET command must be exactly nine digits. */
export function encodeHostLine(line: HostLine): string {
  const id = formatId(line.id);
  switch (line.type) {
    case 'set':
      return frame(`SET ${id} ${checked(line.command, STATUS, 'command')}`);
    case 'get':
      return frame(`GET ${id}`);
    case 'ping':
      return frame(`PING ${id}`);
    case 'counters':
      return frame(`CNT ${id}`);
    case 'build':
      return frame(`CFG ${id}`);
    default:
      throw new BridgeError(ErrorCode.LINE_FIELD_INVALID, `unknown host line type`, { line });
  }
}

function boardBody(line: BoardLine): string {
  switch (line.type) {
    case 'boot':
      return (
        `BOOT ${checked(line.firmware, FIRMWARE, 'firmware')} ` +
        `${checked(String(line.protocol), PROTOCOL, 'protocol')} ${checked(line.board, BOARD, 'board')}`
      );
    case 'ack':
      return `ACK ${formatId(line.id)} ${checked(line.status, STATUS, 'status')}`;
    case 'error': {
      const code = checked(line.code, /^(STATUS_LENGTH|STATUS_NOT_DIGIT|STATUS_RANGE|BAD_ARGS)$/, 'error code');
      if (code === 'BAD_ARGS') return `ERR ${formatId(line.id)} ${code}`;
      return `ERR ${formatId(line.id)} ${code} ${formatUint(line.detail ?? -1, 99, 'error detail')}`;
    }
    case 'status':
      return (
        `STATUS ${checked(line.cause, /^(boot|command|button|window|request)$/, 'cause')} ` +
        `${checked(line.status, STATUS, 'status')}`
      );
    case 'climate':
      return `CLIMATE ${formatTemperature(line.temperature)} ${formatUint(line.humidity, MAX_HUMIDITY, 'humidity')}`;
    case 'rain':
      return `RAIN ${line.raining ? 1 : 0}`;
    case 'event':
      return line.event === 'button'
        ? `EVENT button ${checked(line.button, /^(aircon|light|gas)$/, 'button')}`
        : `EVENT window ${line.open ? 'open' : 'closed'}`;
    case 'heartbeat':
      return `HB ${formatUint(line.uptime, MAX_UPTIME, 'uptime')} ${formatCounters(line.counters)}`;
    case 'counters':
      return `CNT ${formatId(line.id)} ${formatCounters(line.counters)}`;
    case 'build':
      return [
        `CFG ${formatId(line.id)} ${checked(line.group, BUILD_GROUP, 'build group')}`,
        ...line.values.map((v) => checked(v, BUILD_VALUE, 'build value')),
      ].join(' ');
    case 'log': {
      const head =
        `LOG ${checked(line.level, /^(info|warn|error)$/, 'level')} ` + `${checked(line.code, LOG_CODE, 'log code')}`;
      return line.text === '' ? head : `${head} ${checked(line.text, LOG_TEXT, 'log text')}`;
    }
    default:
      throw new BridgeError(ErrorCode.LINE_FIELD_INVALID, 'unknown board line type', { line });
  }
}

/** Encodes a board line (for fake boards and tests; the sketch writes these itself). */
export function encodeBoardLine(line: BoardLine): string {
  return frame(boardBody(line));
}

/** Refuses a board that speaks another protocol version. */
export function assertProtocolVersion(boot: Extract<BoardLine, { type: 'boot' }>): void {
  if (boot.protocol !== SERIAL_PROTOCOL_VERSION) {
    throw new BridgeError(
      ErrorCode.PROTOCOL_MISMATCH,
      `board ${boot.board} (firmware ${boot.firmware}) speaks serial protocol ${boot.protocol}; this host ` +
        `speaks ${SERIAL_PROTOCOL_VERSION}`,
      { protocol: boot.protocol, expected: SERIAL_PROTOCOL_VERSION, firmware: boot.firmware, board: boot.board },
    );
  }
}

/**
 * The board's ERR line as the BridgeError the home would have thrown for the same command: STATUS_*
 * keep their code (context `length` or `position`, like src/home's validation); BAD_ARGS becomes
 * DEVICE_REJECTED.
 */
export function boardErrorToBridgeError(line: Extract<BoardLine, { type: 'error' }>): BridgeError {
  switch (line.code) {
    case 'STATUS_LENGTH':
      return new BridgeError(ErrorCode.STATUS_LENGTH, `the board rejected a command of length ${line.detail}`, {
        length: line.detail,
      });
    case 'STATUS_NOT_DIGIT':
      return new BridgeError(
        ErrorCode.STATUS_NOT_DIGIT,
        `the board rejected a command: position ${line.detail} is not a digit`,
        {
          position: line.detail,
        },
      );
    case 'STATUS_RANGE':
      return new BridgeError(
        ErrorCode.STATUS_RANGE,
        `the board rejected a command: position ${line.detail} is out of range`,
        {
          position: line.detail,
        },
      );
    default:
      return new BridgeError(
        ErrorCode.DEVICE_REJECTED,
        `the board rejected command ${formatId(line.id)}: ${line.code}`,
        {
          reason: line.code,
          id: line.id,
        },
      );
  }
}
