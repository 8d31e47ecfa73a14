/**
 * Where a JSON text first goes wrong, and why, for error messages with line:column. V8's JSON.parse
 * gives a position for some mistakes only ("Unexpected token '/', "…" is not valid JSON" has none and
 * quotes the text, newlines included), so a small scanner of the JSON grammar finds it. Called only
 * after JSON.parse has failed; returns undefined if it finds nothing wrong.
 */
export interface JsonSyntaxError {
  /** Offset (UTF-16 code units) of the first offending character, or the text length at a cut-off. */
  offset: number;
  reason: string;
}

class Fail extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const unexpected = (expected: string): Fail =>
    i >= text.length
      ? new Fail(i, `unexpected end of file, expected ${expected}`)
      : new Fail(i, `unexpected ${quote(text[i]!)}, expected ${expected}`);
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else throw unexpected('a value');
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) throw new Fail(i, 'unexpected end of file inside a string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new Fail(i, 'control character inside a string (write it as an escape)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else throw new Fail(i, 'invalid escape inside a string');
      } else i++;
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') throw unexpected('a value');
    i += m[0].length;
  };
  const value = (depth: number): void => {
    if (depth > 1000) throw new Fail(i, 'nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw unexpected('a double-quoted field name');
        string();
        ws();
        if (text[i] !== ':') throw unexpected('":"');
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else throw unexpected('"," or "}"');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else throw unexpected('"," or "]"');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    throw unexpected('a value');
  };
  try {
    value(0);
    ws();
    if (i < text.length) throw new Fail(i, `unexpected ${quote(text[i]!)} after the end of the JSON value`);
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return { offset: e.offset, reason: e.reason };
    throw e;
  }
}

/** A character for a message: '"', '/', '\u0000'. */
function quote(c: string): string {
  return c === '"' ? `'"'` : `'${JSON.stringify(c).slice(1, -1)}'`;
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
