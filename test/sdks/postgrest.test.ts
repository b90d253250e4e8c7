import { PostgrestClient } from '@supabase/postgrest-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, isCircuitOpenError, type BreakerBoxOptions } from '../../src/index.js';
import { startImitation, timed, tripThroughSdk, type ImitationServer } from './imitation-server.js';

/**
 * The postgrest-js recipe: its retries off (`retry: false`), breakerbox's `retry` on.
 * postgrest-js retries a rejected fetch 3 times (1 s, 2 s, 4 s) and a 503 as long as its
 * `Retry-After` says, so `onRefusal: 'respond'` would make it sleep the whole open time.
 */
const todos = [
  { id: 1, task: 'write the recipe', done: true },
  { id: 2, task: 'test it', done: false },
];

let server: ImitationServer;
beforeAll(async () => {
  server = await startImitation(
    ({ method, url }) => {
      if (method === 'GET' && url.pathname === '/rest/v1/todos') return { json: url.searchParams.get('done') === 'eq.false' ? todos.filter((todo) => !todo.done) : todos };
      return undefined;
    },
    { status: 503, json: { code: 'PGRST002', details: null, hint: null, message: 'Could not query the database for the schema cache. Retrying.' } },
  );
});
afterAll(() => server.close());
afterEach(() => server.setHealth('healthy'));

function postgrestThrough(options: BreakerBoxOptions = {}, client: { timeout?: number } = {}) {
  const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 30_000 }, retry: { attempts: 2, delay: 10 }, ...options });
  const db = new PostgrestClient(`${server.origin}/rest/v1`, { fetch: createFetch(box), retry: false, ...client });
  return { box, db };
}

describe('@supabase/postgrest-js through breakerbox (its retries off, breakerbox retry on)', () => {
  it('answers healthy calls unchanged', async () => {
    const { box, db } = postgrestThrough();
    const all = await db.from('todos').select('*');
    expect(all.error).toBeNull();
    expect(all.data).toEqual(todos);
    const open = await db.from('todos').select('id, task').eq('done', false);
    expect(open.data).toEqual([todos[1]]);
    expect(box.snapshot()[0]).toMatchObject({ state: 'closed', successes: 2, failures: 0 });
  });

  it('once open, a call ends in under 100 ms with nothing sent; the result error names CircuitOpenError', async () => {
    const { box, db } = postgrestThrough();
    await tripThroughSdk(box, server, async () => {
      const { error } = await db.from('todos').select('*');
      if (error) throw error;
    });
    const sent = server.hits();

    const call = await timed(async () => db.from('todos').select('*'));

    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    // Without throwOnError() postgrest-js keeps only the text: the name is the prefix of message.
    expect(call.value?.data).toBeNull();
    expect(call.value?.status).toBe(0);
    expect(call.value?.error?.message).toMatch(/^CircuitOpenError: /);
  });

  it('with throwOnError(), the CircuitOpenError itself rejects', async () => {
    const { box, db } = postgrestThrough();
    await tripThroughSdk(box, server, () => db.from('todos').select('*').throwOnError());
    const sent = server.hits();
    const call = await timed(async () => db.from('todos').select('*').throwOnError());
    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect(isCircuitOpenError(call.error)).toBe(true);
  });
});

describe("postgrest-js's own timeout (PostgrestClient timeout aborts with no reason)", () => {
  const sdkTimeout = 300;

  it('without callerTimeout it never trips the breaker; with it, it does', async () => {
    server.setHealth('hanging');
    const plain = postgrestThrough({ retry: false }, { timeout: sdkTimeout });
    for (let i = 0; i < 3; i++) {
      const { error } = await plain.db.from('todos').select('*');
      expect(error?.message).toMatch(/^AbortError/);
    }
    expect(plain.box.snapshot()[0]).toMatchObject({ state: 'closed', failures: 0 });

    const counted = postgrestThrough({ retry: false, callerTimeout: sdkTimeout - 50 }, { timeout: sdkTimeout });
    for (let i = 0; i < 3; i++) await counted.db.from('todos').select('*');
    expect(counted.box.snapshot()[0]).toMatchObject({ state: 'open', failures: 3 });
  });
});
