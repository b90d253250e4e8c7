/**
 * Issue 10: the box timeout is real work. A request in flight must keep the process alive
 * until it settles (its timer is not unref'd), and a request that finished must leave no
 * timer behind, so the process then exits at once.
 *
 * 0.1 unref'd its timer: with only an in-memory transport (or an MSW handler) that never
 * answers, nothing else held the event loop, the process ended before `timeout` fired, and
 * the request never settled (under `node --test` the test silently vanished).
 */
import { describe, expect, it } from 'vitest';
import { lastJson, runFixture } from './fixtures/run-child.js';

interface HangResult {
  settled: boolean;
  name?: string;
  code?: string | number;
  message?: string;
  elapsed?: number;
  failures?: number;
}

async function child(mode: 'hang' | 'finished', client: string): Promise<HangResult & { idleMs?: number }> {
  const result = await runFixture('test/reliability/fixtures/in-memory-timeouts.ts', [mode, client], { deadline: 20_000 });
  if (client === 'control') {
    // Node's verdict on a process that ran out of work with its top-level await still pending.
    expect(result.code).toBe(13);
    expect(result.stderr).toContain('unsettled top-level await');
  } else {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  }
  return lastJson(result);
}

describe('the box timeout with nothing else holding the event loop', () => {
  it('the check sees a process that exits first: an unref\'d timer (what 0.1 used) never settles the request', async () => {
    expect(await child('hang', 'control')).toEqual({ settled: false });
  }, 30_000);

  it.each(['fetch', 'ky'])('%s: a transport that never answers rejects with a TimeoutError after about 200 ms, counted as a failure', async (client) => {
    const result = await child('hang', client);
    console.log(`${client}: settled after ${result.elapsed?.toFixed(1)} ms with ${result.name}: ${result.message}`);
    expect(result).toMatchObject({ settled: true, name: 'TimeoutError', failures: 1 });
    expect(result.elapsed).toBeGreaterThanOrEqual(190);
    expect(result.elapsed).toBeLessThan(2_000);
  }, 30_000);

  it('axios (fetch adapter): a transport that never answers rejects with axios\' timeout error after about 200 ms', async () => {
    const result = await child('hang', 'axios');
    console.log(`axios: settled after ${result.elapsed?.toFixed(1)} ms with ${result.code}: ${result.message}`);
    expect(result).toMatchObject({ settled: true, name: 'AxiosError', code: 'ETIMEDOUT', failures: 1 });
    expect(result.elapsed).toBeGreaterThanOrEqual(190);
    expect(result.elapsed).toBeLessThan(2_000);
  }, 30_000);

  it.each(['fetch', 'axios', 'ky'])('%s: after 100 finished requests with timeout 10 s, the process exits within 200 ms (no timer left behind)', async (client) => {
    const { idleMs } = await child('finished', client);
    console.log(`${client}: exited ${idleMs?.toFixed(1)} ms after its last request`);
    expect(idleMs).toBeLessThan(200);
  }, 30_000);
});
