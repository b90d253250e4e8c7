import type { CircuitState, OriginSnapshot } from 'breakerbox';
import { truncate, visibleWidth, wrap } from './text.js';
import { GLYPH, type StateChange, timelineStates } from './timeline.js';
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
  /** Every state change so far, oldest first. */
  changes: readonly StateChange[];
  /** With `--otel`: the box's OpenTelemetry metrics as text, shown under the timeline. */
  otel?: string;
}

/** The terminal a frame is rendered for. */
export interface Layout {
  /** The terminal's width; every line is kept at most `columns - 1` wide. */
  columns: number;
  /** The terminal's height: a live frame keeps to `rows - 1` lines, so redrawing in place can reach its top. */
  rows?: number;
  color: boolean;
  /** The last frame: every state change is listed, whatever `rows` says. */
  final?: boolean;
}

/** Below this many columns the table drops the host column. */
export const WIDE = 100;
/** State changes listed under a live frame; the timeline rows hold the rest of the story. */
const LATEST = 6;
const LABEL = 12;

const ESC = '\u001b[';
const STATE_COLOR: Record<CircuitState, string> = { closed: '32', open: '31', 'half-open': '33', isolated: '35' };

/**
 * A duration for people, to a tenth of a second.
 * @example
 * ```ts
 * seconds(4_300); // '4.3 s'
 * ```
 */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * One line of the state-change log.
 * @example
 * ```ts
 * describeChange({ at: 12_300, origin, from: 'closed', to: 'open', openFor: 2_000 }, names); // '   12.3 s  inventory: closed → open for 2.0 s'
 * ```
 */
export const describeChange = (change: StateChange, names: ReadonlyMap<string, string>): string =>
  `${seconds(change.at).padStart(7)}  ${names.get(change.origin) ?? change.origin}: ${change.from} → ${change.to}${change.openFor === undefined ? '' : ` for ${seconds(change.openFor)}`}`;

/**
 * The lines of one frame, none wider than `layout.columns - 1`: the origins' breakers, the
 * clients, a timeline row per origin (the whole run, one glyph per slot), the OTel panel
 * with `--otel`, and the latest state changes that fit. At 100 columns and more the table also shows each origin's address.
 * @example
 * ```ts
 * for (const line of renderFrame(frame, { columns: 80, color: false })) console.log(line);
 * ```
 */
export function renderFrame(frame: Frame, layout: Layout): string[] {
  const width = Math.max(layout.columns - 1, 20);
  const paint = (code: string, text: string): string => (layout.color ? `${ESC}${code}m${text}${ESC}0m` : text);
  const bold = (text: string): string => paint('1', text);
  const wide = layout.columns >= WIDE;
  const name = (origin: string): string => frame.names.get(origin) ?? origin;

  const lines = [`${bold('breakerbox demo')}  ${seconds(frame.elapsed)} of ${seconds(frame.total)}`, ...wrap(frame.phase, width), ''];

  const stateWidth = wide ? 16 : 15;
  const counts = (a: string, b: string, c: string, d: string): string => `${a.padStart(10)}${b.padStart(9)}${c.padStart(9)}${d.padStart(10)}`;
  lines.push(bold(`${'origin'.padEnd(LABEL)}${wide ? 'address'.padEnd(18) : ''}${'state'.padEnd(stateWidth)}${counts('successes', 'failures', 'rejected', 'fallbacks')}`));
  for (const o of frame.origins) {
    // The open time left is part of the state: it is when the next probe may go out.
    const state = o.retryAfter === undefined ? o.state : `${o.state} ${seconds(o.retryAfter)}`;
    const address = wide ? paint('2', o.origin.replace(/^https?:\/\//, '').padEnd(18)) : '';
    lines.push(`${name(o.origin).padEnd(LABEL)}${address}${paint(STATE_COLOR[o.state], state.padEnd(stateWidth))}${counts(String(o.successes), String(o.failures), String(o.rejected), String(o.fallbacks))}`);
  }

  lines.push('', bold(`${'client'.padEnd(LABEL)}${'sent'.padStart(8)}${'live'.padStart(8)}${'fallback'.padStart(10)}${'failed'.padStart(8)}`));
  for (const c of frame.clients) {
    lines.push(`${c.name.padEnd(LABEL)}${String(c.sent).padStart(8)}${String(c.live).padStart(8)}${String(c.fallback).padStart(10)}${String(c.failed).padStart(8)}`);
  }


  const strip = width - LABEL;
  lines.push('', `${bold('timeline'.padEnd(LABEL))}${'0 s'.padEnd(strip - seconds(frame.total).length)}${seconds(frame.total)}`);
  for (const o of frame.origins) {
    const glyphs = timelineStates(frame.changes, o.origin, frame.elapsed, frame.total, strip)
      .map((state) => (state === undefined ? ' ' : paint(STATE_COLOR[state], GLYPH[state])))
      .join('');
    lines.push(`${name(o.origin).padEnd(LABEL)}${glyphs}`);
  }
  lines.push(`${''.padEnd(LABEL)}${(['closed', 'half-open', 'open'] as const).map((s) => `${paint(STATE_COLOR[s], GLYPH[s])} ${s}`).join('   ')}`);
  // Below the timeline: in a short terminal, the frame is cut from the bottom.
  if (frame.otel !== undefined) lines.push('', bold('OpenTelemetry (breakerbox/otel)'), ...frame.otel.split('\n'));

  // The latest changes, as many as fit (a blank line and the title take two rows).
  const total = frame.changes.length;
  const room = layout.final || layout.rows === undefined ? Infinity : layout.rows - 1 - lines.length - 2;
  const listed = layout.final ? total : Math.min(total, LATEST, room);
  if (listed > 0 || (total === 0 && room >= 0)) {
    const title = listed === total ? `state changes (${total})` : `latest state changes (${listed} of ${total}; the timeline shows them all)`;
    lines.push('', bold(title), ...frame.changes.slice(total - listed).map((change) => `  ${describeChange(change, frame.names)}`));
  }

  // Trailing blanks (the timeline's future) would only make the terminal wrap sooner.
  const fitted = lines.map((line) => (visibleWidth(line) > width ? truncate(line, width) : line).replace(/ +$/, ''));
  const shown = layout.final || layout.rows === undefined ? fitted : fitted.slice(0, Math.max(1, layout.rows - 1));
  while (shown.length > 1 && shown.at(-1) === '') shown.pop();
  return shown;
}
