/**
 * A small terminal emulator for the demo's screen tests: a fixed grid of `columns` ×
 * `rows` that interprets what the demo writes (text, `\n` as a pty's onlcr makes it,
 * cursor up `ESC[nF`, column `ESC[nG`, clears `ESC[J`/`ESC[2J`/`ESC[K`, home `ESC[H`; colours and cursor
 * visibility are ignored), wraps at the right edge like xterm (a pending wrap taken by the
 * next character) and scrolls at the bottom, into a scrollback. It counts wraps: a line that wrapped would
 * break the demo's in-place redraw.
 */
export class VirtualTerminal {
  readonly columns: number;
  readonly rows: number;
  wraps = 0;
  /** Rows scrolled off the top, oldest first: where stale copies of a frame would pile up. */
  readonly scrollback: string[] = [];
  #grid: string[][];
  #row = 0;
  #column = 0;

  constructor(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.#grid = Array.from({ length: rows }, () => []);
  }

  /** Feeds output, as `process.stdout.write` would. */
  write(text: string): boolean {
    const tokens = text.match(/\u001b\[[?0-9;]*[A-Za-z]|[\s\S]/gu) ?? [];
    for (const token of tokens) {
      if (token.startsWith('\u001b[')) this.#control(token);
      else if (token === '\n') this.#newline();
      else if (token === '\r') this.#column = 0;
      else this.#print(token);
    }
    return true;
  }

  /** The visible screen, one string per row, trailing blank rows dropped. */
  screen(): string[] {
    const lines = this.#grid.map((row) => row.join('').replace(/\s+$/, ''));
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  #print(char: string): void {
    if (this.#column === this.columns) {
      this.wraps++;
      this.#newline();
    }
    const row = this.#grid[this.#row]!;
    while (row.length < this.#column) row.push(' ');
    row[this.#column] = char;
    this.#column++;
  }

  #newline(): void {
    this.#column = 0;
    if (this.#row < this.rows - 1) this.#row++;
    else {
      this.scrollback.push(this.#grid.shift()!.join('').replace(/\s+$/, ''));
      this.#grid.push([]);
    }
  }

  #control(sequence: string): void {
    const final = sequence.at(-1);
    const argument = sequence.slice(2, -1);
    if (argument.startsWith('?') || final === 'm') return;
    const n = argument === '' ? undefined : Number(argument);
    switch (final) {
      case 'F':
        this.#row = Math.max(0, this.#row - (n ?? 1));
        this.#column = 0;
        return;
      case 'G':
        this.#column = Math.min(this.columns - 1, (n ?? 1) - 1);
        return;
      case 'H':
        [this.#row, this.#column] = [0, 0];
        return;
      case 'K':
        this.#grid[this.#row]!.length = Math.min(this.#grid[this.#row]!.length, this.#column);
        return;
      case 'J':
        if (n === 2 || n === 3) {
          if (n === 2) this.#grid = Array.from({ length: this.rows }, () => []);
          return;
        }
        this.#grid[this.#row]!.length = Math.min(this.#grid[this.#row]!.length, this.#column);
        for (let r = this.#row + 1; r < this.rows; r++) this.#grid[r] = [];
        return;
      default:
        throw new Error(`VirtualTerminal: unsupported control sequence ${JSON.stringify(sequence)}`);
    }
  }
}
