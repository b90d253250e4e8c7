import ky, { HTTPError, type KyInstance } from 'ky';
import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createShouldRetry, kyOptions } from '../../src/adapters/ky/index.js';
import { createBreakerBox, createMemoryCacheStore, isCircuitOpenError, type BreakerBoxOptions, type CacheStore, type Outcome, type Verdict } from '../../src/index.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { useMswServer } from '../helpers/msw-server.js';

const API = 'https://api.example.test';
const OTHER = 'https://other.example.test';
const { server, requests } = useMswServer();

/** A box, a ky instance on it (retries without backoff), and every outcome the box recorded. */
function setup(options: BreakerBoxOptions = {}, retry: { limit: number } = { limit: 2 }) {
  const clock = createManualClock();
  const box = createBreakerBox({ clock, ...options });
  const outcomes: { outcome: Outcome; verdict: Verdict }[] = [];
  box.on('outcome', ({ outcome, verdict }) => outcomes.push({ outcome, verdict }));
  const api: KyInstance = ky.create({ ...kyOptions(box), retry: { ...retry, delay: () => 0 } });
  return { box, clock, api, outcomes };
}

/** A cache store that says when the fallback cache has stored a response (the body copy is read asynchronously). */
function observedCache(): { store: CacheStore; stored: Promise<void> } {
  const inner = createMemoryCacheStore();
  let resolve!: () => void;
  const stored = new Promise<void>((r) => (resolve = r));
  const store: CacheStore & { readonly size: number } = {
    get: (key) => inner.get(key),
    set(key, value) {
      inner.set(key, value);
      resolve();
    },
    delete: (key) => inner.delete(key),
    get size() {
      return inner.size;
    },
  };
  return { store, stored };
}

describe('kyOptions through MSW', () => {
  it('records every retry attempt as its own outcome when a host keeps failing', async () => {
    server.use(http.get(`${API}/down`, () => new HttpResponse('down', { status: 500 })));
    const { api, outcomes, box } = setup({ breaker: { failureThreshold: 10 } });
    const error = await api.get(`${API}/down`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect(requests.get(API)).toBe(3);
    expect(outcomes).toHaveLength(3);
    expect(outcomes.every((o) => o.verdict === 'failure')).toBe(true);
    expect(box.snapshot()[0]).toMatchObject({ failures: 3, state: 'closed' });
  });

  it('opens at the threshold and stops ky retrying with a CircuitOpenError that sent nothing', async () => {
    server.use(http.get(`${API}/down`, () => HttpResponse.error()));
    const { api, box } = setup({ breaker: { failureThreshold: 2 } }, { limit: 5 });
    const error = await api.get(`${API}/down`).catch((e: unknown) => e);
    // Attempts 1 and 2 failed and opened the breaker; attempt 3 was refused and ky stopped there.
    expect(isCircuitOpenError(error)).toBe(true);
    expect(requests.get(API)).toBe(2);
    expect(box.state(API)).toBe('open');
    const again = await api.get(`${API}/down`).catch((e: unknown) => e);
    expect(isCircuitOpenError(again)).toBe(true);
    expect(requests.get(API)).toBe(2);
    expect(box.snapshot()[0]).toMatchObject({ failures: 2, rejected: 2 });
  });

  it('serves the cached response while open, readable with .json()', async () => {
    let healthy = true;
    server.use(http.get(`${API}/users`, () => (healthy ? HttpResponse.json([{ id: 1 }]) : HttpResponse.error())));
    const { store, stored } = observedCache();
    const { api, clock } = setup({ breaker: { failureThreshold: 1 }, fallback: { cache: true }, cacheStore: store }, { limit: 0 });
    expect(await api.get(`${API}/users`).json()).toEqual([{ id: 1 }]);
    await stored;
    healthy = false;
    await expect(api.get(`${API}/users`)).rejects.toThrow(expect.objectContaining({ name: 'NetworkError' }));
    clock.advance(2_000);
    const response = await api.get(`${API}/users`);
    expect(response.headers.get('x-breakerbox-fallback')).toBe('cache');
    expect(response.headers.get('age')).toBe('2');
    expect(await response.json()).toEqual([{ id: 1 }]);
    expect(requests.get(API)).toBe(2);
  });

  it('serves a value fallback while open', async () => {
    server.use(http.post(`${API}/orders`, () => new HttpResponse(null, { status: 503 })));
    const { api } = setup({
      breaker: { failureThreshold: 1 },
      hosts: { [API]: { fallback: { value: { status: 202, body: { queued: true } } } } },
    });
    await expect(api.post(`${API}/orders`, { json: { id: 7 } })).rejects.toThrow(HTTPError);
    const response = await api.post(`${API}/orders`, { json: { id: 8 } });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-breakerbox-fallback')).toBe('value');
    expect(await response.json()).toEqual({ queued: true });
    expect(requests.get(API)).toBe(1);
  });

  it('turns a non-2xx value fallback into a ky HTTPError carrying its body', async () => {
    server.use(http.get(`${API}/pay`, () => HttpResponse.error()));
    const { api, box } = setup({
      breaker: { failureThreshold: 1 },
      fallback: { value: { status: 503, body: { queued: true } } },
    }, { limit: 0 });
    await api.get(`${API}/pay`).catch(() => {});
    expect(box.state(API)).toBe('open');
    const error = await api.get(`${API}/pay`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    const httpError = error as HTTPError;
    expect(httpError.response.status).toBe(503);
    expect(httpError.response.headers.get('x-breakerbox-fallback')).toBe('value');
    expect(httpError.data).toEqual({ queued: true });
    expect(requests.get(API)).toBe(1);
  });

  it('keeps ky from retrying a non-2xx fallback once createShouldRetry is set', async () => {
    server.use(http.get(`${API}/pay`, () => HttpResponse.error()));
    const box = createBreakerBox({
      breaker: { failureThreshold: 1 },
      fallback: { value: { status: 503, body: { queued: true } } },
      clock: createManualClock(),
    });
    const delays = { without: vi.fn(() => 0), with: vi.fn(() => 0) };
    const plain = ky.create({ ...kyOptions(box), retry: { limit: 2, delay: delays.without } });
    const guarded = ky.create({ ...kyOptions(box), retry: { limit: 2, delay: delays.with, shouldRetry: createShouldRetry(box) } });
    await ky.get(`${API}/pay`, { ...kyOptions(box), retry: 0 }).catch(() => {});
    expect(box.state(API)).toBe('open');
    // Without it, ky backs off and retries the local 503 fallback: each wait is wasted.
    await expect(plain.get(`${API}/pay`)).rejects.toThrow(HTTPError);
    expect(delays.without).toHaveBeenCalledTimes(2);
    await expect(guarded.get(`${API}/pay`)).rejects.toThrow(HTTPError);
    expect(delays.with).not.toHaveBeenCalled();
    expect(requests.get(API)).toBe(1);
  });

  it('does not count 4xx answers as failures', async () => {
    server.use(http.get(`${API}/missing`, () => new HttpResponse(null, { status: 404 })));
    const { api, box, outcomes } = setup({ breaker: { failureThreshold: 1 } });
    await expect(api.get(`${API}/missing`)).rejects.toThrow(HTTPError);
    await expect(api.get(`${API}/missing`)).rejects.toThrow(HTTPError);
    expect(outcomes.map((o) => o.verdict)).toEqual(['success', 'success']);
    expect(box.state(API)).toBe('closed');
    expect(requests.get(API)).toBe(2);
  });

  it('leaves another origin untouched when one fails', async () => {
    server.use(
      http.get(`${API}/x`, () => HttpResponse.error()),
      http.get(`${OTHER}/x`, () => HttpResponse.json({ ok: true })),
    );
    const { api, box } = setup({ breaker: { failureThreshold: 1 } });
    await api.get(`${API}/x`).catch(() => {});
    expect(box.state(API)).toBe('open');
    expect(await api.get(`${OTHER}/x`).json()).toEqual({ ok: true });
    expect(box.state(OTHER)).toBe('closed');
    expect(box.snapshot().find((s) => s.origin === OTHER)).toMatchObject({ failures: 0, successes: 1 });
  });
});

describe('kyOptions and aborts', () => {
  it('records ky\'s own timeout as a timeout, once per attempt', async () => {
    server.use(http.get(`${API}/slow`, async () => {
      await delay('infinite');
      return HttpResponse.json({});
    }));
    const { box, outcomes } = setup({ breaker: { failureThreshold: 10 } });
    const api = ky.create({ ...kyOptions(box), timeout: 50, retry: { limit: 1, retryOnTimeout: true, delay: () => 0 } });
    await expect(api.get(`${API}/slow`)).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(requests.get(API)).toBe(2);
    expect(outcomes).toEqual([
      { outcome: { kind: 'timeout' }, verdict: 'failure' },
      { outcome: { kind: 'timeout' }, verdict: 'failure' },
    ]);
  });

  it('opens on ky timeouts and then refuses without sending', async () => {
    server.use(http.get(`${API}/slow`, async () => {
      await delay('infinite');
      return HttpResponse.json({});
    }));
    const box = createBreakerBox({ breaker: { failureThreshold: 2 }, clock: createManualClock() });
    const api = ky.create({ ...kyOptions(box), timeout: 50, retry: { limit: 4, retryOnTimeout: true, delay: () => 0 } });
    const error = await api.get(`${API}/slow`).catch((e: unknown) => e);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(requests.get(API)).toBe(2);
  });

  it('does not count the caller\'s abort, and gives a half-open probe slot back', async () => {
    let hang = false;
    server.use(http.get(`${API}/flaky`, async () => {
      if (!hang) return HttpResponse.error();
      await delay('infinite');
      return HttpResponse.json({});
    }));
    const { api, box, clock, outcomes } = setup({ breaker: { failureThreshold: 1, openDuration: 1_000 } }, { limit: 0 });
    await api.get(`${API}/flaky`).catch(() => {});
    expect(box.state(API)).toBe('open');
    clock.advance(1_000);
    hang = true;
    const controller = new AbortController();
    const probe = api.get(`${API}/flaky`, { signal: controller.signal });
    await untilTrue(() => requests.get(API) === 2);
    controller.abort();
    await expect(probe).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(outcomes.at(-1)).toEqual({ outcome: { kind: 'aborted' }, verdict: 'ignore' });
    // The slot is free again at once: the next request is admitted as a probe, not refused.
    hang = false;
    server.use(http.get(`${API}/flaky`, () => HttpResponse.json({ ok: true })));
    expect(await api.get(`${API}/flaky`).json()).toEqual({ ok: true });
    expect(box.state(API)).toBe('closed');
  });
});

/** Waits for a condition driven by I/O (not by time), a tick at a time. */
async function untilTrue(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setImmediate(r));
  if (!condition()) throw new Error('condition never became true');
}
