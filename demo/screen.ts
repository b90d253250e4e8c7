import type { CircuitState, OriginSnapshot } from 'breakerbox';
import type { ClientStats } from './traffic.js';

/** Everything one frame of the live table shows. */
export interface Frame {
  elapsed: number;
  total: number;
  phase: string;
  origins: OriginSnapshot[];
  /** origin → the name shown for it */
  names: ReadonlyMap<string, string>;
  clients: readonly ClientStats[];
  /** The latest state changes, oldest first. */
  events: readonly string[];
}

const ESC = '\u001b[';
const stateColor: Record<CircuitState, string> = { closed: '32', open: '31', 'half-open': '33', isolated: '35' };

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Draws frames: in a terminal, the table is redrawn in place; anywhere else (CI, a pipe)
 * it degrades to a plain status line every `plainEvery` ms, and state changes are
 * printed as they happen by the caller.
 */
export class Screen {
  readonly live: boolean;
  readonly #color: boolean;
  readonly #plainEvery: number;
  #height = 0;
  #lastPlain = -Infinity;

  constructor(stream: NodeJS.WriteStream, plainEvery = 2_000) {
    this.live = stream.isTTY === true;
    this.#plainEvery = plainEvery;
    this.#color = this.live && process.env.NO_COLOR === undefined;
  }

  /** Shows `frame`; without a terminal, only every `plainEvery` ms unless `force`. */
  draw(frame: Frame, force = false): void {
    if (!this.live) {
      if (!force && frame.elapsed - this.#lastPlain < this.#plainEvery) return;
      this.#lastPlain = frame.elapsed;
      const states = frame.origins.map((o) => `${frame.names.get(o.origin) ?? o.origin} ${o.state} ok=${o.successes} fail=${o.failures} rejected=${o.rejected} fallbacks=${o.fallbacks}`);
      process.stdout.write(`[${seconds(frame.elapsed)}] ${states.join(' | ')}\n`);
      return;
    }
    const lines = this.#lines(frame);
    // Back to the top of the previous frame, clear it, draw the new one.
    const up = this.#height > 0 ? `${ESC}${this.#height}F${ESC}J` : '';
    process.stdout.write(`${up}${lines.join('\n')}\n`);
    this.#height = lines.length;
  }

  #paint(code: string, text: string): string {
    return this.#color ? `${ESC}${code}m${text}${ESC}0m` : text;
  }

  #lines(frame: Frame): string[] {
    const bold = (text: string) => this.#paint('1', text);
    const dim = (text: string) => this.#paint('2', text);
    const header = `${'origin'.padEnd(28)}${'state'.padEnd(16)}${'successes'.padStart(10)}${'failures'.padStart(9)}${'rejected'.padStart(9)}${'fallbacks'.padStart(10)}`;
    const lines = [`${bold('breakerbox demo')}  ${seconds(frame.elapsed)} of ${seconds(frame.total)}`, frame.phase, '', bold(header)];
    for (const o of frame.origins) {
      const name = (frame.names.get(o.origin) ?? '').padEnd(10);
      const host = o.origin.replace(/^https?:\/\//, '').padEnd(18);
      // The open time left is part of the state: it is when the next probe may go out.
      const state = o.retryAfter === undefined ? o.state : `${o.state} ${seconds(o.retryAfter)}`;
      const counts = `${String(o.successes).padStart(10)}${String(o.failures).padStart(9)}${String(o.rejected).padStart(9)}${String(o.fallbacks).padStart(10)}`;
      lines.push(`${name}${dim(host)}${this.#paint(stateColor[o.state], state.padEnd(16))}${counts}`);
    }
    lines.push('', bold(`${'client'.padEnd(10)}${'sent'.padStart(8)}${'live'.padStart(8)}${'fallback'.padStart(10)}${'failed'.padStart(8)}`));
    for (const c of frame.clients) {
      lines.push(`${c.name.padEnd(10)}${String(c.sent).padStart(8)}${String(c.live).padStart(8)}${String(c.fallback).padStart(10)}${String(c.failed).padStart(8)}`);
    }
    lines.push('', bold('state changes'), ...frame.events.slice(-6).map((e) => `  ${e}`));
    return lines;
  }
}
