import type { CircuitState, OriginSnapshot } from 'breakerbox';
import { describe, expect, it } from 'vitest';
import { type Frame, renderFrame } from '../../demo/render.js';
import { Screen } from '../../demo/screen.js';
import { visibleWidth } from '../../demo/text.js';
import { GLYPH, type StateChange, timelineStates } from '../../demo/timeline.js';
import { VirtualTerminal } from './virtual-terminal.js';

const CATALOG = 'http://127.0.0.1:40001';
const INVENTORY = 'http://127.0.0.1:40002';
const names = new Map([
  [CATALOG, 'catalog'],
  [INVENTORY, 'inventory'],
]);
const TOTAL = 20_000;
const plain = (line: string): string => line.replace(/\u001b\[[0-9;]*m/g, '');

/** The demo's story: inventory opens at 4.3 s, probes fail twice, heals at 13 s; 14 changes in all. */
const story: StateChange[] = [
  [4_300, 'closed', 'open', 2_000],
  [6_300, 'open', 'half-open'],
  [6_310, 'half-open', 'open', 4_000],
  [9_100, 'open', 'half-open'],
  [9_120, 'half-open', 'closed'],
  [9_400, 'closed', 'open', 2_000],
  [10_500, 'open', 'half-open'],
  [11_500, 'half-open', 'open', 4_000],
  [11_600, 'open', 'half-open'],
  [12_600, 'half-open', 'open', 4_000],
  [12_700, 'open', 'half-open'],
  [13_700, 'half-open', 'open', 4_000],
  [15_500, 'open', 'half-open'],
  [15_510, 'half-open', 'closed'],
].map(([at, from, to, openFor]) => ({ at: at as number, origin: INVENTORY, from: from as CircuitState, to: to as CircuitState, ...(openFor === undefined ? {} : { openFor: openFor as number }) }));

const PHASES = [
  'both servers healthy: good GET responses are kept for the cache fallback',
  'inventory answers 503: five failures in a row open its breaker, and from then on the cache and the default value answer for it while nothing is sent',
  'inventory hangs: a probe times out after 1 s and the breaker re-opens',
];

/** A frame at `elapsed` ms of the story, with counters big enough to stress every column. */
function frameAt(elapsed: number): Frame {
  const changes = story.filter((change) => change.at <= elapsed);
  const inventoryState = changes.at(-1)?.to ?? 'closed';
  const origins: OriginSnapshot[] = [
    { origin: CATALOG, state: 'closed', failures: 0, successes: 1_234_567, rejected: 0, fallbacks: 0 },
    { origin: INVENTORY, state: inventoryState, failures: 99_999, successes: 88_888, rejected: 777_777, fallbacks: 666_666, ...(inventoryState === 'open' ? { retryAfter: 1_999 } : {}) },
  ];
  const clients = ['fetch', 'axios', 'ky'].map((name) => ({ name, sent: 123_456, live: 100_000, fallback: 23_000, failed: 456 }));
  return { elapsed, total: TOTAL, phase: PHASES[Math.min(2, Math.floor(elapsed / 7_000))]!, origins, names, clients, changes };
}

/** A terminal stand-in whose size can change, drawn on by a live Screen. */
function liveScreen(terminal: VirtualTerminal, size: { columns: number; rows: number }) {
  return new Screen({ isTTY: true, write: (text) => terminal.write(text), get columns() { return size.columns; }, get rows() { return size.rows; } }, { color: true });
}

describe('renderFrame', () => {
  for (const columns of [80, 99, 100, 120]) {
    it(`keeps every line within ${columns - 1} columns at ${columns}, live and final`, () => {
      for (const elapsed of [0, 5_000, 12_000, TOTAL]) {
        for (const final of [false, true]) {
          const widths = renderFrame(frameAt(elapsed), { columns, rows: 50, color: true, final }).map(visibleWidth);
          expect(Math.max(...widths)).toBeLessThanOrEqual(columns - 1);
        }
      }
    });
  }

  it('shows each origin\u2019s address from 100 columns on, and not below', () => {
    const at = (columns: number) => renderFrame(frameAt(5_000), { columns, color: false }).join('\n');
    expect(at(120)).toContain('127.0.0.1:40002');
    expect(at(100)).toContain('127.0.0.1:40002');
    expect(at(99)).not.toContain('127.0.0.1:40002');
    expect(at(80)).toMatch(/^inventory {3}open 2\.0 s/m);
  });

  it('keeps the whole story: a timeline row per origin, and every change in the final frame', () => {
    const live = renderFrame(frameAt(TOTAL), { columns: 80, rows: 50, color: false });
    // Only the latest six are listed live; the first opening is no longer among them...
    expect(live).toContain('latest state changes (6 of 14; the timeline shows them all)');
    expect(live.join('\n')).not.toContain('4.3 s  inventory: closed → open');
    // ...but the timeline shows it: inventory's row is open from its 4.3 s slot on.
    const row = live.find((line) => line.startsWith('inventory ') && line.includes(GLYPH.open))!;
    const strip = row.slice(12);
    const slot = Math.floor((4_300 / TOTAL) * strip.length);
    expect(strip.slice(0, slot)).toBe(GLYPH.closed.repeat(slot));
    expect(strip[slot]).toBe(GLYPH.open);
    expect(live.find((line) => line.startsWith('catalog ') && line.includes(GLYPH.closed))!.slice(12)).toBe(GLYPH.closed.repeat(strip.length));

    const final = renderFrame(frameAt(TOTAL), { columns: 80, rows: 20, color: false, final: true });
    expect(final).toContain('state changes (14)');
    expect(final).toContain('    4.3 s  inventory: closed → open for 2.0 s');
    expect(final.at(-1)).toBe('   15.5 s  inventory: half-open → closed');
  });
});

describe('renderFrame with --otel', () => {
  it('shows the OpenTelemetry panel under the timeline, each line cut to the width, and cuts it first in a short terminal', () => {
    const otel = `breakerbox.requests{breakerbox.origin=${INVENTORY},breakerbox.outcome=rejected} 777777 ${'x'.repeat(100)}\nbreakerbox.state{breakerbox.origin=${INVENTORY}} 2`;
    const lines = renderFrame({ ...frameAt(5_000), otel }, { columns: 80, rows: 60, color: false });
    const at = lines.indexOf('OpenTelemetry (breakerbox/otel)');
    expect(at).toBeGreaterThan(lines.findIndex((line) => line.startsWith('inventory ') && line.includes(GLYPH.closed)));
    expect(lines[at + 1]).toHaveLength(79);
    expect(lines[at + 1]!.endsWith('…')).toBe(true);
    expect(lines[at + 2]).toBe(`breakerbox.state{breakerbox.origin=${INVENTORY}} 2`);
    const short = renderFrame({ ...frameAt(5_000), otel }, { columns: 80, rows: 20, color: false });
    expect(short).toHaveLength(19);
    expect(short.some((line) => line.startsWith('inventory ') && line.includes(GLYPH.open))).toBe(true);
  });
});

describe('timelineStates', () => {
  it('shows a probe that lasted 10 ms in its slot, and leaves future slots empty', () => {
    const states = timelineStates(story, INVENTORY, 10_000, TOTAL, 20);
    // Slot 6 (6.0–7.0 s) saw open, a 10 ms half-open, then open again: open weighs most.
    expect(states.slice(0, 11)).toEqual(['closed', 'closed', 'closed', 'closed', 'open', 'open', 'open', 'open', 'open', 'open', 'open']);
    expect(states.slice(11)).toEqual(Array(9).fill(undefined));
    // In a slot where the breaker went from closed to half-open and back, the probe shows.
    expect(timelineStates([{ at: 1_500, origin: CATALOG, from: 'closed', to: 'half-open' }, { at: 1_510, origin: CATALOG, from: 'half-open', to: 'closed' }], CATALOG, 3_000, 3_000, 3)).toEqual(['closed', 'half-open', 'closed']);
  });
});

describe('Screen in a terminal', () => {
  for (const columns of [80, 120]) {
    it(`redraws in place at ${columns} columns: the screen always holds exactly the last frame, and no line wraps`, () => {
      const terminal = new VirtualTerminal(columns, 40);
      terminal.write('$ npm run demo\n');
      const screen = liveScreen(terminal, { columns, rows: 40 });
      for (let elapsed = 0; elapsed <= TOTAL; elapsed += 200) {
        screen.draw(frameAt(elapsed));
        const expected = renderFrame(frameAt(elapsed), { columns, rows: 40, color: false });
        expect(terminal.screen()).toEqual(['$ npm run demo', ...expected]);
      }
      expect(terminal.scrollback).toEqual([]);
      screen.draw(frameAt(TOTAL), true);
      expect(terminal.screen()).toEqual(['$ npm run demo', ...renderFrame(frameAt(TOTAL), { columns, color: false, final: true })]);
      expect(terminal.wraps).toBe(0);
    });
  }

  it('cuts a frame to the terminal height, so a short terminal still redraws in place', () => {
    const terminal = new VirtualTerminal(80, 18);
    // A terminal full of shell history: the first frame scrolls it up, as any output would.
    for (let i = 0; i < 30; i++) terminal.write(`$ history ${i}\n`);
    const screen = liveScreen(terminal, { columns: 80, rows: 18 });
    for (let elapsed = 0; elapsed <= TOTAL; elapsed += 500) screen.draw(frameAt(elapsed));
    // No copy of any frame was pushed off the top: redrawing always reached the frame's first line.
    expect(terminal.scrollback.filter((line) => !line.startsWith('$ history'))).toEqual([]);
    const expected = renderFrame(frameAt(TOTAL), { columns: 80, rows: 18, color: false });
    expect(expected.length).toBeLessThanOrEqual(17);
    // No room for the list of changes: the timeline rows keep the story.
    expect(expected.at(-1)).toContain('half-open');
    expect(terminal.screen()).toEqual(expected.map(plain));
  });

  it('clears the screen after the width changes, since the terminal may have re-wrapped the old frame', () => {
    // A 120-column frame shown in an 80-column terminal: what a terminal that re-wraps on shrinking shows.
    const terminal = new VirtualTerminal(80, 60);
    const size = { columns: 120, rows: 60 };
    const screen = liveScreen(terminal, size);
    screen.draw(frameAt(5_000));
    expect(terminal.wraps).toBeGreaterThan(0);
    size.columns = 80;
    screen.draw(frameAt(5_200));
    expect(terminal.screen()).toEqual(renderFrame(frameAt(5_200), { columns: 80, rows: 60, color: false }));
  });

  it('prints plain status lines without control codes when not a terminal', () => {
    const written: string[] = [];
    const screen = new Screen({ write: (text) => written.push(text) });
    for (let elapsed = 0; elapsed <= 5_000; elapsed += 200) screen.draw(frameAt(elapsed));
    screen.draw(frameAt(5_100), true);
    expect(written).toEqual([0, 2_000, 4_000, 5_100].map((at) => expect.stringMatching(new RegExp(`^\\[${(at / 1000).toFixed(1)} s\\] catalog closed ok=1234567 .* \\| inventory (closed|open) `))));
    expect(written.join('')).not.toContain('\u001b');
  });
});
