import { type Frame, renderFrame, seconds } from './render.js';

/** What the screen writes to: `process.stdout`, or a stand-in in tests. */
export interface ScreenStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** How a {@link Screen} draws; every field has a default. */
export interface ScreenOptions {
  /** Fixed width, instead of the stream's `columns` (read at every draw, so a resize is followed). @default stream.columns ?? 80 */
  columns?: number;
  /** Fixed height, instead of the stream's `rows`. @default stream.rows */
  rows?: number;
  /** Plain mode: ms between status lines. @default 2000 */
  plainEvery?: number;
  /** @default a terminal, unless NO_COLOR is set */
  color?: boolean;
}

const ESC = '\u001b[';

/**
 * Draws frames. In a terminal the frame is redrawn in place: every line fits the width
 * and the frame fits the height, so moving the cursor up by the last frame's height
 * reaches its top, and nothing is left behind; after a resize the screen is cleared,
 * since the terminal may have re-wrapped the old frame. Anywhere else (CI, a pipe) it
 * prints a plain status line every `plainEvery` ms; the caller prints state changes.
 *
 * @example
 * ```ts
 * const screen = new Screen(process.stdout);
 * screen.draw(frame);
 * screen.draw(lastFrame, true);
 * ```
 */
export class Screen {
  readonly live: boolean;
  readonly #stream: ScreenStream;
  readonly #options: ScreenOptions;
  readonly #color: boolean;
  #height = 0;
  #columns: number | undefined;
  #lastPlain = -Infinity;

  constructor(stream: ScreenStream, options: ScreenOptions = {}) {
    this.#stream = stream;
    this.#options = options;
    this.live = stream.isTTY === true;
    this.#color = options.color ?? (this.live && process.env.NO_COLOR === undefined);
  }

  /** Shows `frame`; without a terminal, only every `plainEvery` ms unless `final`. The final frame lists every state change. */
  draw(frame: Frame, final = false): void {
    if (!this.live) {
      if (!final && frame.elapsed - this.#lastPlain < (this.#options.plainEvery ?? 2_000)) return;
      this.#lastPlain = frame.elapsed;
      const states = frame.origins.map((o) => `${frame.names.get(o.origin) ?? o.origin} ${o.state} ok=${o.successes} fail=${o.failures} rejected=${o.rejected} fallbacks=${o.fallbacks}`);
      this.#stream.write(`[${seconds(frame.elapsed)}] ${states.join(' | ')}\n`);
      return;
    }
    const columns = this.#options.columns ?? this.#stream.columns ?? 80;
    const rows = this.#options.rows ?? this.#stream.rows;
    const lines = renderFrame(frame, { columns, ...(rows === undefined ? {} : { rows }), color: this.#color, final });
    let prefix = '';
    if (this.#height === 0) prefix = `${ESC}?25l`; // hide the cursor while redrawing
    else if (columns !== this.#columns) prefix = `${ESC}H${ESC}2J`;
    else prefix = `${ESC}${this.#height}F${ESC}J`; // to the first line of the last frame; clear to the end
    this.#stream.write(`${prefix}${lines.join('\n')}\n${final ? `${ESC}?25h` : ''}`);
    this.#height = final ? 0 : lines.length;
    this.#columns = columns;
  }

  /** Shows the cursor again if a live frame hid it (on exit or Ctrl-C before the final frame). */
  close(): void {
    if (this.live && this.#height > 0) this.#stream.write(`${ESC}?25h`);
    this.#height = 0;
  }
}
