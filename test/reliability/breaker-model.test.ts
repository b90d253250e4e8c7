import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBreakerBox, type BreakerBoxEvents } from '../../src/index.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { commandArbs, configArb, setup } from './model/commands.js';
import { coverage } from './model/reference-breaker.js';

/**
 * 10,000 generated sequences by default. Replay a failure with the seed and path it
 * prints: BREAKERBOX_MODEL_SEED=<seed> BREAKERBOX_MODEL_PATH=<path> BREAKERBOX_MODEL_REPLAY=<replayPath>
 * vitest run test/reliability/breaker-model.test.ts
 */
const numRuns = Number(process.env.BREAKERBOX_MODEL_RUNS ?? 10_000);
const seed = process.env.BREAKERBOX_MODEL_SEED === undefined ? undefined : Number(process.env.BREAKERBOX_MODEL_SEED);
const path = process.env.BREAKERBOX_MODEL_PATH;
/** fast-check's commands replay their own shrinking through this (the `replayPath` in the counterexample). */
const replayPath = process.env.BREAKERBOX_MODEL_REPLAY;

/** Check a property; only the model property takes the replay seed and path (a path is meaningless to another property). */
function assertProperty<T>(property: fc.IProperty<T>, runs: number, replayable: boolean): void {
  const replay = replayable ? { ...(seed === undefined ? {} : { seed }), ...(path === undefined ? {} : { path }) } : {};
  const details = fc.check(property, { numRuns: runs, ...replay });
  if (details.failed) {
    const report = fc.defaultReportMessage(details) ?? '';
    const commandsReplay = /replayPath="([^"]+)"/.exec(report)?.[1];
    const command = `Replay: BREAKERBOX_MODEL_SEED=${details.seed} BREAKERBOX_MODEL_PATH=${details.counterexamplePath ?? ''}${commandsReplay ? ` BREAKERBOX_MODEL_REPLAY='${commandsReplay}'` : ''} vitest run test/reliability/breaker-model.test.ts`;
    console.error(command);
    throw new Error(`${command}\n${report}\n${String(details.errorInstance)}`);
  }
}

describe('breaker against its reference model', () => {
  it('agrees on every admission, verdict, state and snapshot when sequences are generated', () => {
    assertProperty(
      fc.property(configArb, fc.commands(commandArbs, { maxCommands: 60, size: 'max', ...(replayPath === undefined ? {} : { replayPath }) }), (config, commands) => {
        fc.modelRun(() => setup(config), commands);
      }),
      numRuns,
      true,
    );
    // The generator must actually reach the tricky transitions, or agreement proves little.
    const reached = Object.fromEntries(coverage);
    console.log('model coverage', reached);
    if (seed === undefined && numRuns >= 10_000) {
      for (const milestone of [
        'stale outcome',
        'probe slot given back',
        'retry-after honoured',
        'retry-after capped',
        'pause ended',
        'probe paused',
        'escalated',
        'escalated twice',
        'closed by a probe',
        'closed by several probes',
        'held probes forfeited',
        'refused in half-open',
      ]) {
        expect(reached[milestone] ?? 0, milestone).toBeGreaterThanOrEqual(5);
      }
    }
  }, 90_000);
});

describe('breaker escalation jitter', () => {
  it('takes at most 20% off a doubled open time, and never goes below openDuration, when random varies', () => {
    assertProperty(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 5 }), (r, reopens) => {
        const clock = createManualClock();
        const openDuration = 1_000;
        const maxOpenDuration = 16_000;
        const box = createBreakerBox({ breaker: { failureThreshold: 1, openDuration, maxOpenDuration }, clock, random: () => r });
        const opened: number[] = [];
        box.on('stateChange', (e: BreakerBoxEvents['stateChange']) => {
          if (e.to === 'open') opened.push(e.openFor!);
        });
        const fail = (): void => {
          const permit = box.admit('https://jitter.example.test/');
          if (permit.allowed) permit.record({ kind: 'network' });
        };
        fail();
        for (let i = 0; i < reopens; i++) {
          clock.advance(opened.at(-1)!);
          fail();
        }
        expect(opened).toHaveLength(reopens + 1);
        expect(opened[0]).toBe(openDuration);
        opened.slice(1).forEach((openFor, i) => {
          const doubled = Math.min(maxOpenDuration, openDuration * 2 ** (i + 1));
          expect(openFor).toBeLessThanOrEqual(doubled);
          expect(openFor).toBeGreaterThanOrEqual(Math.max(openDuration, Math.floor(doubled * 0.8)));
        });
      }),
      Math.min(numRuns, 1_000),
      false,
    );
  });
});
