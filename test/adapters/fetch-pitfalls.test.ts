import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createFetch, patchGlobalFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, type Outcome } from '../../src/index.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { useMswServer } from '../helpers/msw-server.js';

const API = 'https://api.example.test';
const { server, requests } = useMswServer();

function recordOutcomes(box: ReturnType<typeof createBreakerBox>): Outcome[] {
  const outcomes: Outcome[] = [];
  box.on('outcome', (e) => outcomes.push(e.outcome));
  return outcomes;
}

describe('createFetch inputs', () => {
  it('accepts Request objects and keeps their method, headers and body', async () => {
    server.use(http.post(`${API}/echo`, async ({ request }) => HttpResponse.json({ method: request.method, auth: request.headers.get('x-a'), body: await request.text() })));
    const fetch = createFetch(createBreakerBox());
    const response = await fetch(new Request(`${API}/echo`, { method: 'POST', headers: { 'x-a': '1' }, body: 'hello' }));
    expect(await response.json()).toEqual({ method: 'POST', auth: '1', body: 'hello' });
  });

  it('accepts URL objects', async () => {
    server.use(http.get(`${API}/x`, () => HttpResponse.text('ok')));
    const fetch = createFetch(createBreakerBox());
    expect(await (await fetch(new URL(`${API}/x`))).text()).toBe('ok');
  });

  it("throws fetch's TypeError for an invalid URL before any breaker is touched", async () => {
    const box = createBreakerBox();
    const fetch = createFetch(box);
    await expect(fetch('/relative')).rejects.toThrow(new TypeError('Failed to parse URL from /relative'));
    await expect(fetch('http://')).rejects.toThrow(TypeError);
    expect(box.snapshot()).toEqual([]);
    expect(requests.total()).toBe(0);
  });

  it('passes non-http URLs straight through', async () => {
    const box = createBreakerBox();
    const response = await createFetch(box)('data:text/plain,hi');
    expect(await response.text()).toBe('hi');
    expect(box.snapshot()).toEqual([]);
  });

  it('rejects a box that is not a box, and a fetch that is not a function', () => {
    expect(() => createFetch({} as never)).toThrow('createFetch expects a box from createBreakerBox() as its first argument, got object');
    expect(() => createFetch(createBreakerBox(), { fetch: 'x' as never })).toThrow('createFetch options.fetch must be a function, got string');
  });

  it('reads globalThis.fetch at each call, so a later patch applies', async () => {
    server.use(http.get(`${API}/x`, () => HttpResponse.text('ok')));
    const fetch = createFetch(createBreakerBox());
    const original = globalThis.fetch;
    let seen = 0;
    globalThis.fetch = (input, init) => {
      seen++;
      return original(input, init);
    };
    try {
      await fetch(`${API}/x`);
    } finally {
      globalThis.fetch = original;
    }
    expect(seen).toBe(1);
  });
});

describe('createFetch aborts and timeouts', () => {
  it("records the caller's abort as aborted, not a failure", async () => {
    server.use(http.get(`${API}/slow`, async () => {
      await delay('infinite');
      return HttpResponse.text('never');
    }));
    const box = createBreakerBox({ breaker: { failureThreshold: 1 } });
    const outcomes = recordOutcomes(box);
    const controller = new AbortController();
    const pending = createFetch(box)(`${API}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(outcomes).toEqual([{ kind: 'aborted' }]);
    expect(box.state(API)).toBe('closed');
  });

  it('does not count an already aborted signal, and sends nothing', async () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 1 } });
    await expect(createFetch(box)(`${API}/x`, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(box.state(API)).toBe('closed');
    expect(requests.total()).toBe(0);
  });

  it('gives the half-open permit back when the caller aborts the probe', async () => {
    server.use(http.get(`${API}/x`, async () => {
      await delay('infinite');
      return HttpResponse.text('never');
    }));
    const clock = createManualClock();
    const box = createBreakerBox({ clock, breaker: { failureThreshold: 1, openDuration: 1_000 } });
    const first = box.admit(API);
    if (first.allowed) first.record({ kind: 'network' });
    clock.advance(1_000);
    const controller = new AbortController();
    const probe = createFetch(box)(`${API}/x`, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(box.admit(API).allowed).toBe(false); // the probe holds the only slot
    controller.abort();
    await expect(probe).rejects.toThrow();
    expect(box.admit(API).allowed).toBe(true);
  });

  it('times out a hanging attempt after the box timeout and counts a timeout', async () => {
    server.use(http.get(`${API}/hang`, async () => {
      await delay('infinite');
      return HttpResponse.text('never');
    }));
    const box = createBreakerBox({ timeout: 50, breaker: { failureThreshold: 1 } });
    const outcomes = recordOutcomes(box);
    await expect(createFetch(box)(`${API}/hang`)).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
    expect(box.state(API)).toBe('open');
  });

  it("counts the caller's own AbortSignal.timeout as a timeout", async () => {
    server.use(http.get(`${API}/hang`, async () => {
      await delay('infinite');
      return HttpResponse.text('never');
    }));
    const box = createBreakerBox();
    const outcomes = recordOutcomes(box);
    await expect(createFetch(box)(`${API}/hang`, { signal: AbortSignal.timeout(30) })).rejects.toThrow();
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
  });

  it("keeps the caller's signal working alongside the box timeout", async () => {
    server.use(http.get(`${API}/hang`, async () => {
      await delay('infinite');
      return HttpResponse.text('never');
    }));
    const box = createBreakerBox({ timeout: 10_000 });
    const outcomes = recordOutcomes(box);
    const controller = new AbortController();
    const pending = createFetch(box)(`${API}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow();
    expect(outcomes).toEqual([{ kind: 'aborted' }]);
  });
});

describe("createFetch with when: 'open-or-failure'", () => {
  it('answers a failed attempt with the fallback', async () => {
    server.use(http.get(`${API}/x`, () => HttpResponse.error()));
    const box = createBreakerBox({ fallback: { value: { body: { offline: true } }, when: 'open-or-failure' } });
    const response = await createFetch(box)(`${API}/x`);
    expect(response.headers.get('x-breakerbox-fallback')).toBe('value');
    expect(await response.json()).toEqual({ offline: true });
    expect(response.url).toBe(`${API}/x`);
  });

  it('answers a failing status with the fallback', async () => {
    server.use(http.get(`${API}/x`, () => new HttpResponse('down', { status: 502 })));
    const box = createBreakerBox({ fallback: { value: { body: 'default' }, when: 'open-or-failure' } });
    const response = await createFetch(box)(`${API}/x`);
    expect(await response.text()).toBe('default');
  });

  it('still passes a 404 through untouched', async () => {
    server.use(http.get(`${API}/x`, () => new HttpResponse('missing', { status: 404 })));
    const box = createBreakerBox({ fallback: { value: { body: 'default' }, when: 'open-or-failure' } });
    const response = await createFetch(box)(`${API}/x`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('missing');
  });
});

describe('patchGlobalFetch', () => {
  it('guards the global fetch and restores it', async () => {
    server.use(http.get(`${API}/x`, () => new HttpResponse(null, { status: 500 })));
    const before = globalThis.fetch;
    const box = createBreakerBox({ breaker: { failureThreshold: 1 } });
    const restore = patchGlobalFetch(box);
    try {
      expect(globalThis.fetch).not.toBe(before);
      await fetch(`${API}/x`);
      await expect(fetch(`${API}/x`)).rejects.toThrow(/circuit .* is open/);
      expect(requests.total()).toBe(1);
    } finally {
      expect(restore()).toBe(true);
    }
    expect(globalThis.fetch).toBe(before);
    expect(restore()).toBe(false);
  });

  it('leaves a fetch patched on top of it in place when restoring', () => {
    const before = globalThis.fetch;
    const restore = patchGlobalFetch(createBreakerBox());
    const later = (() => Promise.reject(new Error('later'))) as typeof fetch;
    globalThis.fetch = later;
    expect(restore()).toBe(false);
    expect(globalThis.fetch).toBe(later);
    globalThis.fetch = before;
  });

  it('admits and records once when a createFetch of the same box runs over it', async () => {
    server.use(http.get(`${API}/x`, () => HttpResponse.text('ok')));
    const box = createBreakerBox();
    const outcomes = recordOutcomes(box);
    const restore = patchGlobalFetch(box);
    try {
      await createFetch(box)(`${API}/x`);
    } finally {
      restore();
    }
    expect(outcomes).toHaveLength(1);
    expect(box.snapshot()[0]?.successes).toBe(1);
  });

  it('admits in each box when two different boxes are layered', async () => {
    server.use(http.get(`${API}/x`, () => HttpResponse.text('ok')));
    const [outer, inner] = [createBreakerBox(), createBreakerBox()];
    const restore = patchGlobalFetch(inner);
    try {
      await createFetch(outer)(`${API}/x`);
    } finally {
      restore();
    }
    expect(outer.snapshot()[0]?.successes).toBe(1);
    expect(inner.snapshot()[0]?.successes).toBe(1);
  });
});
