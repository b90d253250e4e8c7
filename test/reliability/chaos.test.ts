import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox, type BreakerBox } from '../../src/index.js';
import { drivers, type Client, type ClientDriver, type Result } from '../contract/clients.js';
import { startLocalServer, type LocalServer } from '../helpers/local-server.js';
import { createManualClock, type ManualClock } from '../helpers/manual-clock.js';
import { startChaosServer, type ChaosPhase, type ChaosServer } from './helpers/chaos-server.js';

/**
 * Chaos against real node:http servers, through every adapter: a healthy origin next to
 * one that cycles through the ways a host fails. Each adapter is one driver of
 * test/contract/clients.ts (fetch, axios with its http and fetch adapters, ky), so a new
 * adapter plugs in there. Time is the manual clock; only the hang phase waits for the
 * real per-attempt timeout.
 */

const OPEN_FOR = 5_000;
const FAILURE_THRESHOLD = 3;
const ATTEMPT_TIMEOUT = 150;
/** Rounds allowed for a phase to open the breaker, and rounds checked while it is open. */
const MAX_ROUNDS_TO_OPEN = 12;
const OPEN_ROUNDS = 5;

interface PhaseCase {
  name: string;
  phase: ChaosPhase;
  /** How long the breaker must stay open: its openDuration, or the Retry-After. */
  openFor: number;
}

const phases: PhaseCase[] = [
  { name: 'refused', phase: 'refused', openFor: OPEN_FOR },
  { name: 'reset', phase: 'reset', openFor: OPEN_FOR },
  { name: 'hang', phase: 'hang', openFor: OPEN_FOR },
  { name: '503 + Retry-After 20', phase: { status: 503, retryAfter: 20 }, openFor: 20_000 },
  { name: "flapping 'xx.'", phase: { flapping: 'xx.' }, openFor: OPEN_FOR },
];

interface Counts {
  requests: number;
  healthyOk: number;
  badFresh: number;
  badErrors: number;
  fallbackCache: number;
  fallbackValue: number;
  /** Attempts the bad origin's breaker admitted and recorded (the requests that really went out). */
  badAttempts: number;
  badServerHits: number;
  probesToRecover: number;
}

let healthy: LocalServer;
let bad: ChaosServer;
const report: Record<string, Counts> = {};

beforeAll(async () => {
  [healthy, bad] = await Promise.all([startLocalServer(), startChaosServer()]);
});
afterAll(async () => {
  console.log('chaos counts per adapter');
  console.table(report);
  await Promise.all([healthy.close(), bad.close()]);
});

function chaosBox(clock: ManualClock, origin: string): BreakerBox {
  return createBreakerBox({
    clock,
    random: () => 0,
    breaker: { failureThreshold: FAILURE_THRESHOLD, openDuration: OPEN_FOR, maxOpenDuration: 60_000 },
    hosts: {
      [origin]: {
        timeout: ATTEMPT_TIMEOUT,
        // Flapping never fails three times in a row: the failure rate catches it.
        breaker: { failureRate: { threshold: 0.5, minimumCalls: 6, window: 60_000 } },
        fallback: { cache: true, value: { status: 200, body: { fallback: true } } },
      },
    },
  });
}

function isFresh(result: Result): boolean {
  return result.kind === 'response' && result.status === 200 && result.fallback === null;
}

async function runChaos(driver: ClientDriver): Promise<void> {
  await bad.setPhase('healthy');
  const clock = createManualClock();
  const box = chaosBox(clock, bad.origin);
  const counts: Counts = { requests: 0, healthyOk: 0, badFresh: 0, badErrors: 0, fallbackCache: 0, fallbackValue: 0, badAttempts: 0, badServerHits: 0, probesToRecover: 0 };
  report[driver.name] = counts;
  box.on('outcome', ({ origin }) => {
    if (origin === bad.origin) counts.badAttempts++;
  });
  const client: Client = await driver.create(box);
  const hitsAtStart = bad.hits();
  const badUrl = `${bad.origin}/items`;

  /** One round: the healthy origin and the bad one at the same time, as real traffic would. */
  const round = async (): Promise<Result> => {
    const [good, answer] = await Promise.all([client.get(`${healthy.origin}/ok`), client.get(badUrl)]);
    counts.requests += 2;
    expect(good, 'the healthy origin').toMatchObject({ kind: 'response', status: 200, fallback: null });
    counts.healthyOk++;
    if (isFresh(answer)) counts.badFresh++;
    else if (answer.kind === 'response' && answer.fallback === 'cache') counts.fallbackCache++;
    else if (answer.kind === 'response' && answer.fallback === 'value') counts.fallbackValue++;
    else counts.badErrors++;
    return answer;
  };

  try {
    // A good answer to cache, for the fallback to serve later.
    expect(isFresh(await round())).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));

    for (const { name, phase, openFor } of phases) {
      await bad.setPhase(phase);
      let rounds = 0;
      while (box.state(bad.origin) !== 'open' && rounds < MAX_ROUNDS_TO_OPEN) {
        await round();
        rounds++;
      }
      expect(box.state(bad.origin), `${name}: open within ${MAX_ROUNDS_TO_OPEN} rounds`).toBe('open');
      expect(box.snapshot().find((s) => s.origin === bad.origin)?.retryAfter, `${name}: open time`).toBe(openFor);

      // Open: the bad origin is answered by fallbacks and sent nothing; the healthy one is untouched.
      const attempts = counts.badAttempts;
      const hits = bad.hits();
      for (let i = 0; i < OPEN_ROUNDS; i++) {
        const answer = await round();
        expect(answer.kind === 'response' && answer.fallback !== null, `${name}: answered by a fallback`).toBe(true);
      }
      expect(counts.badAttempts - attempts, `${name}: attempts while open`).toBe(0);
      expect(bad.hits() - hits, `${name}: server hits while open`).toBe(0);

      // Healed: after the open time, one probe closes it again.
      await bad.setPhase('healthy');
      clock.advance(openFor - 1);
      expect(box.state(bad.origin)).toBe('open');
      clock.advance(1);
      const probe = await client.get(badUrl);
      expect(probe, `${name}: the first probe after healing`).toMatchObject({ kind: 'response', status: 200, fallback: null });
      counts.requests++;
      counts.badFresh++;
      counts.probesToRecover++;
      expect(box.state(bad.origin), `${name}: recovered`).toBe('closed');
    }
  } finally {
    counts.badServerHits = bad.hits() - hitsAtStart;
    client.dispose();
  }
  // Every request that went out to the bad origin came back fresh or failed; every other one was a fallback.
  expect(counts.badAttempts).toBe(counts.badFresh + counts.badErrors);
  expect(counts.fallbackCache + counts.fallbackValue).toBe(phases.length * OPEN_ROUNDS);
  expect(counts.probesToRecover).toBe(phases.length);
  // The refused phase's attempts (one streak) never reach the server; everything else the breaker let out did.
  expect(counts.badServerHits).toBe(counts.badAttempts - FAILURE_THRESHOLD);
}

describe('chaos: one healthy origin and one failing in every way', () => {
  for (const driver of drivers) {
    it(`keeps the healthy origin at 100%, isolates the bad one behind fallbacks and recovers with one probe when using ${driver.name}`, async () => {
      await runChaos(driver);
    }, 30_000);
  }
});
