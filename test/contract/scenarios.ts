import { expect } from 'vitest';
import { createBreakerBox, type BreakerBox, type BreakerBoxOptions } from '../../src/index.js';
import { createManualClock, type ManualClock } from '../helpers/manual-clock.js';
import type { Backend, BackendKind } from './backends.js';
import type { Client, ClientDriver, Result } from './clients.js';
import { bodyScenarios } from './scenarios-bodies.js';
import { cacheScenarios } from './scenarios-cache.js';
import { policyScenarios } from './scenarios-policies.js';

export interface Context {
  client: Client;
  box: BreakerBox;
  clock: ManualClock;
  host: Backend;
  createHost(): Promise<Backend>;
}

export interface Scenario {
  name: string;
  /**
   * Why this scenario runs against the real server only. Aborting a response body mid-way
   * under MSW 3's socket interceptor makes undici throw an uncaught `assert(!this.aborted)`
   * (with plain fetch too, no breakerbox involved), so those scenarios cannot run there.
   */
  realServerOnly?: string;
  options: BreakerBoxOptions;
  run(context: Context): Promise<void>;
}

/** The cache copy of a live response is read in the background; give it a moment. */
export const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

export const counts = (box: BreakerBox, origin: string) => {
  const entry = box.snapshot().find((s) => s.origin === origin);
  return entry && { state: entry.state, failures: entry.failures, successes: entry.successes, rejected: entry.rejected, fallbacks: entry.fallbacks };
};

export const times = async (n: number, request: () => Promise<Result>) => {
  const results: Result[] = [];
  for (let i = 0; i < n; i++) results.push(await request());
  return results;
};

const basics: Scenario[] = [
  {
    name: 'opens after the threshold and sends nothing while open',
    options: { breaker: { failureThreshold: 3 } },
    async run({ client, box, host }) {
      host.set('error503');
      const live = await times(3, () => client.get(`${host.origin}/a`));
      expect(live.map((r) => r.kind === 'response' && r.status)).toEqual([503, 503, 503]);
      const refused = await times(5, () => client.get(`${host.origin}/a`));
      expect(refused).toEqual(Array(5).fill({ kind: 'open' }));
      expect(host.hits()).toBe(3);
      expect(counts(box, host.origin)).toEqual({ state: 'open', failures: 3, successes: 0, rejected: 5, fallbacks: 0 });
    },
  },
  {
    name: 'serves the last good response while open',
    options: { breaker: { failureThreshold: 1 }, fallback: { cache: true } },
    async run({ client, box, host }) {
      const live = await client.get(`${host.origin}/cached`);
      expect(live).toMatchObject({ kind: 'response', status: 200, fallback: null });
      await settle();
      host.set('network');
      expect(await client.get(`${host.origin}/cached`)).toEqual({ kind: 'error', name: 'NetworkError' });
      const replay = await client.get(`${host.origin}/cached`);
      expect(replay).toEqual({ kind: 'response', status: 200, body: (live as { body: string }).body, fallback: 'cache' });
      expect(await client.get(`${host.origin}/never-cached`)).toEqual({ kind: 'open' });
      expect(host.hits()).toBe(2);
      expect(counts(box, host.origin)).toEqual({ state: 'open', failures: 1, successes: 1, rejected: 2, fallbacks: 1 });
    },
  },
  {
    name: 'serves the value fallback while open',
    options: { breaker: { failureThreshold: 1 }, fallback: { value: { body: 'default' } } },
    async run({ client, box, host }) {
      host.set('error503');
      await client.get(`${host.origin}/v`);
      expect(await client.get(`${host.origin}/v`)).toEqual({ kind: 'response', status: 200, body: 'default', fallback: 'value' });
      expect(host.hits()).toBe(1);
      expect(counts(box, host.origin)).toEqual({ state: 'open', failures: 1, successes: 0, rejected: 1, fallbacks: 1 });
    },
  },
  {
    name: 'rejects with CircuitOpenError without a fallback',
    options: { breaker: { failureThreshold: 2 } },
    async run({ client, box, host }) {
      host.set('network');
      await times(2, () => client.get(`${host.origin}/e`));
      expect(await client.get(`${host.origin}/e`)).toEqual({ kind: 'open' });
      expect(host.hits()).toBe(2);
      expect(counts(box, host.origin)).toEqual({ state: 'open', failures: 2, successes: 0, rejected: 1, fallbacks: 0 });
    },
  },
  {
    name: 'stays open for the Retry-After of a 503',
    options: { breaker: { failureThreshold: 5, openDuration: 10_000 } },
    async run({ client, box, clock, host }) {
      host.set({ retryAfter: 120 });
      expect(await client.get(`${host.origin}/r`)).toMatchObject({ kind: 'response', status: 503 });
      clock.advance(119_000);
      expect(await client.get(`${host.origin}/r`)).toEqual({ kind: 'open' });
      host.set('ok');
      clock.advance(1_000);
      expect(await client.get(`${host.origin}/r`)).toMatchObject({ kind: 'response', status: 200 });
      expect(host.hits()).toBe(2);
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 1, successes: 1, rejected: 1, fallbacks: 0 });
    },
  },
  {
    name: 'probes when half-open and closes on success',
    options: { breaker: { failureThreshold: 1, openDuration: 1_000 } },
    async run({ client, box, clock, host }) {
      host.set('error503');
      await client.get(`${host.origin}/p`);
      expect(box.state(host.origin)).toBe('open');
      clock.advance(1_000);
      expect(box.state(host.origin)).toBe('half-open');
      host.set('ok');
      expect(await client.get(`${host.origin}/p`)).toMatchObject({ kind: 'response', status: 200 });
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 1, successes: 1, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: "ignores the caller's abort",
    options: { breaker: { failureThreshold: 1 } },
    async run({ client, box, host }) {
      host.set('hang');
      const controller = new AbortController();
      const pending = client.get(`${host.origin}/slow`, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      expect(await pending).toEqual({ kind: 'error', name: 'AbortError' });
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 0, successes: 0, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: 'counts a timeout as a failure',
    options: { breaker: { failureThreshold: 1 }, timeout: 100 },
    async run({ client, box, host }) {
      host.set('hang');
      expect(await client.get(`${host.origin}/slow`)).toEqual({ kind: 'error', name: 'TimeoutError' });
      expect(counts(box, host.origin)).toEqual({ state: 'open', failures: 1, successes: 0, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: 'leaves another origin untouched when one fails',
    options: { breaker: { failureThreshold: 1 } },
    async run({ client, box, host, createHost }) {
      const healthy = await createHost();
      try {
        host.set('network');
        await client.get(`${host.origin}/x`);
        expect(await client.get(`${host.origin}/x`)).toEqual({ kind: 'open' });
        expect(await client.get(`${healthy.origin}/x`)).toMatchObject({ kind: 'response', status: 200 });
        expect(counts(box, healthy.origin)).toEqual({ state: 'closed', failures: 0, successes: 1, rejected: 0, fallbacks: 0 });
        expect(healthy.hits()).toBe(1);
      } finally {
        await healthy.close();
      }
    },
  },
  {
    name: 'does not count 4xx answers',
    options: { breaker: { failureThreshold: 1 } },
    async run({ client, box, host }) {
      host.set({ status: 404 });
      const results = await times(3, () => client.get(`${host.origin}/missing`));
      expect(results.map((r) => r.kind === 'response' && r.status)).toEqual([404, 404, 404]);
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 0, successes: 3, rejected: 0, fallbacks: 0 });
    },
  },
];

/** Every scenario, run against every adapter and both backends. */
export const scenarios: Scenario[] = [...basics, ...cacheScenarios, ...bodyScenarios, ...policyScenarios];

/** Build the context for one scenario run: a fresh box on a manual clock, a client, a host. */
export async function runScenario(scenario: Scenario, driver: ClientDriver, backends: BackendKind): Promise<void> {
  const clock = createManualClock();
  const box = createBreakerBox({ ...scenario.options, clock });
  const client = await driver.create(box);
  const host = await backends.create('failing');
  try {
    await scenario.run({ client, box, clock, host, createHost: () => backends.create('healthy') });
  } finally {
    client.dispose();
    await host.close();
  }
}
