import { Redis } from 'ioredis';
import { createBreakerBox, type BreakerBox } from '../../../src/index.js';
import { createFetch } from '../../../src/adapters/fetch/index.js';
import { createRedisCacheStore, shareOpenState, type RedisCacheStore } from '../../../src/redis/index.js';
import { percentile } from './wait.js';

/** A replica inside the test process: a box, its two connections (to `port`), the store and the sharing. */
export interface InProcessReplica {
  box: BreakerBox;
  fetch: typeof fetch;
  client: Redis;
  subscriber: Redis;
  store: RedisCacheStore;
  /** Errors `shareOpenState` reported (they never reach a request). */
  sharingErrors: unknown[];
  stopSharing(): void;
  close(): Promise<void>;
}

/**
 * ioredis's defaults except a fast reconnect: no `commandTimeout`, offline queue on, 20
 * retries per request. The guarantees under test must hold without tuning the client.
 */
export async function startInProcessReplica(port: number, prefix: string, refusedOrigin: string): Promise<InProcessReplica> {
  const client = new Redis({ host: '127.0.0.1', port, retryStrategy: (times) => Math.min(times * 20, 200) });
  const subscriber = client.duplicate();
  // A lost connection is an 'error' event; Node ends the process on one nobody listens to.
  client.on('error', () => {});
  subscriber.on('error', () => {});
  await Promise.all([client.ping(), subscriber.ping()]);
  const store = createRedisCacheStore({ client, prefix });
  const box = createBreakerBox({
    breaker: { failureThreshold: 3, openDuration: 10_000 },
    fallback: { cache: true },
    hosts: { [refusedOrigin]: { fallback: { value: { status: 200, body: 'value fallback' } } } },
    cacheStore: store,
  });
  const sharingErrors: unknown[] = [];
  const stopSharing = shareOpenState(box, { client, subscriber, prefix, onError: (error) => sharingErrors.push(error) });
  return {
    box,
    fetch: createFetch(box),
    client,
    subscriber,
    store,
    sharingErrors,
    stopSharing,
    async close() {
      stopSharing();
      client.disconnect();
      subscriber.disconnect();
    },
  };
}

/** What a burst of traffic measured. */
export interface Traffic {
  /** Ms per request, in the order they finished. */
  latencies: number[];
  /** Requests that threw (the guarantee is that none do). */
  failures: unknown[];
  p50: number;
  p99: number;
  max: number;
}

/** `workers` loops, each requesting `urls` in turn, for `duration` ms; every body is read. */
export async function runTraffic(request: typeof fetch, urls: readonly string[], duration: number, workers = 2): Promise<Traffic> {
  const latencies: number[] = [];
  const failures: unknown[] = [];
  const end = Date.now() + duration;
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < end) {
        const url = urls[next++ % urls.length]!;
        const started = performance.now();
        try {
          const response = await request(url);
          await response.arrayBuffer();
        } catch (error) {
          failures.push(error);
        }
        latencies.push(performance.now() - started);
        // A refusal answered by a value fallback settles in microtasks alone: without a turn
        // of the event loop here, one worker would starve every timer (the lookup bound too).
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return { latencies, failures, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies) };
}
