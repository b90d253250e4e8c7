import { expect } from 'vitest';
import type { Scenario } from './scenarios.js';
import { counts } from './scenarios.js';

/**
 * The policies of the core pipeline (issue 11), the same through every adapter: retries
 * that pass the breaker, the idempotency guard, the bulkhead, and `onRefusal: 'respond'`.
 */
export const policyScenarios: Scenario[] = [
  {
    name: 'retries a failing GET, each attempt through the breaker, until the host answers',
    options: { breaker: { failureThreshold: 5 }, retry: { attempts: 3, delay: 1 } },
    async run({ client, box, host }) {
      host.set({ failFirst: 2 });
      expect(await client.get(`${host.origin}/flaky`)).toMatchObject({ kind: 'response', status: 200 });
      expect(host.hits()).toBe(3);
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 2, successes: 1, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: 'a retry the open breaker refuses ends the request at once with the refusal',
    options: { breaker: { failureThreshold: 2 }, retry: { attempts: 5, delay: 1 } },
    async run({ client, box, host }) {
      host.set('error503');
      expect(await client.get(`${host.origin}/down`)).toEqual({ kind: 'open' });
      expect(host.hits()).toBe(2);
      expect(counts(box, host.origin)).toEqual({ state: 'open', failures: 2, successes: 0, rejected: 1, fallbacks: 0 });
    },
  },
  {
    name: 'never retries a POST without an Idempotency-Key, and retries one with it',
    options: { breaker: { failureThreshold: Infinity }, retry: { attempts: 2, delay: 1 } },
    async run({ client, host }) {
      host.set('error503');
      expect(await client.get(`${host.origin}/charge`, { method: 'POST' })).toMatchObject({ kind: 'response', status: 503 });
      expect(host.hits()).toBe(1);
      expect(await client.get(`${host.origin}/charge`, { method: 'POST', headers: { 'idempotency-key': 'charge-7' } })).toMatchObject({ kind: 'response', status: 503 });
      expect(host.hits()).toBe(4);
    },
  },
  {
    name: 'the bulkhead refuses beyond maxConcurrent at once, sends nothing, and counts no failure',
    options: { breaker: { failureThreshold: 1 }, bulkhead: { maxConcurrent: 1 } },
    async run({ client, box, host }) {
      host.set('hang');
      const controller = new AbortController();
      const held = client.get(`${host.origin}/slow`, { signal: controller.signal });
      // Let the first request reach the host and hold the only slot.
      for (let i = 0; i < 100 && host.hits() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await client.get(`${host.origin}/slow`)).toEqual({ kind: 'bulkhead' });
      expect(host.hits()).toBe(1);
      controller.abort();
      expect(await held).toEqual({ kind: 'error', name: 'AbortError' });
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 0, successes: 0, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: "onRefusal: 'respond' answers a refused request with a 503 that says so, sending nothing",
    options: { breaker: { failureThreshold: 1 }, onRefusal: 'respond' },
    async run({ client, host }) {
      host.set('error503');
      await client.get(`${host.origin}/x`);
      const refused = await client.get(`${host.origin}/x`);
      expect(refused).toMatchObject({ kind: 'response', status: 503, fallback: 'refused' });
      expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ error: { type: 'circuit_open', origin: host.origin } });
      expect(host.hits()).toBe(1);
    },
  },
];
