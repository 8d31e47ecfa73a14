/**
 * A minimal terminal screen for tests of in-place output: applies text, CR, LF, cursor up (`ESC[nA`),
 * erase line (`ESC[2K`) and erase to the end of the screen (`ESC[J`) to a grid of lines, and ignores
 * other escape sequences. Enough to see what a user would see after a live view and logs have written
 * to the same terminal.
 */
export class TerminalScreen {
  readonly lines: string[] = [''];
  #row = 0;
  #col = 0;

  write(data: string): void {
    let i = 0;
    while (i < data.length) {
      const ch = data[i]!;
      if (ch === '\x1b' && data[i + 1] === '[') {
        const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(data.slice(i));
        if (!m) break;
        this.#escape(m[1]!, m[2]!);
        i += m[0].length;
        continue;
      }
      if (ch === '\r') this.#col = 0;
      else if (ch === '\n') {
        this.#row++;
        this.#col = 0;
        while (this.lines.length <= this.#row) this.lines.push('');
      } else {
        const line = this.lines[this.#row]!.padEnd(this.#col);
        this.lines[this.#row] = line.slice(0, this.#col) + ch + line.slice(this.#col + 1);
        this.#col++;
      }
      i++;
    }
  }

  /** The screen's lines without trailing blank ones. */
  text(): string[] {
    const out = this.lines.map((l) => l.trimEnd());
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  #escape(params: string, op: string): void {
    const n = Number(params || '1');
    if (op === 'A') this.#row = Math.max(0, this.#row - n);
    else if (op === 'K' && params === '2') this.lines[this.#row] = '';
    else if (op === 'K') this.lines[this.#row] = this.lines[this.#row]!.slice(0, this.#col);
    else if (op === 'J') {
      this.lines[this.#row] = this.lines[this.#row]!.slice(0, this.#col);
      this.lines.length = this.#row + 1;
    }
  }
}
