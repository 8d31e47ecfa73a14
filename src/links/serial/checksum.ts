/**
 * The serial line checksum: CRC-8/SMBUS (polynomial 0x07, initial value 0x00, no reflection, no final
 * XOR) over the bytes before the `*`, written as two uppercase hex digits. `crc8('123456789')` is 0xF4,
 * the catalogued check value. Spec: docs/serial-protocol.md §3.
 */

const TABLE = ((): Uint8Array => {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    table[i] = c;
  }
  return table;
})();

/** CRC-8/SMBUS of a byte sequence; a string is taken as its char codes (callers pass ASCII only). */
export function crc8(data: Uint8Array | string): number {
  let crc = 0;
  if (typeof data === 'string') {
    for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data.charCodeAt(i)) & 0xff]!;
  } else {
    for (const byte of data) crc = TABLE[crc ^ byte]!;
  }
  return crc;
}

/** The two uppercase hex digits that follow the `*` of a line with this body. */
export function checksumHex(body: string): string {
  return crc8(body).toString(16).toUpperCase().padStart(2, '0');
}
