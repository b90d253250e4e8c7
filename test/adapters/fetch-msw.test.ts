import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { useMswServer } from '../helpers/msw-server.js';

const API = 'https://api.example.test';
const OTHER = 'https://other.example.test';
const { server, requests } = useMswServer();

describe('createFetch through MSW', () => {
  it('opens after the threshold and sends nothing while open', async () => {
    server.use(http.get(`${API}/down`, () => new HttpResponse('down', { status: 500 })));
    const box = createBreakerBox({ breaker: { failureThreshold: 2 }, clock: createManualClock() });
    const fetch = createFetch(box);
    expect((await fetch(`${API}/down`)).status).toBe(500);
    expect((await fetch(`${API}/down`)).status).toBe(500);
    expect(box.state(API)).toBe('open');
    const error = await fetch(`${API}/down`).catch((e: unknown) => e);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(requests.get(API)).toBe(2);
  });

  it('serves the last good response while open, with the fallback headers', async () => {
    let healthy = true;
    server.use(http.get(`${API}/users`, () => (healthy ? HttpResponse.json([{ id: 1 }]) : HttpResponse.error())));
    const clock = createManualClock();
    const box = createBreakerBox({ breaker: { failureThreshold: 1 }, fallback: { cache: true }, clock });
    const fetch = createFetch(box);
    await (await fetch(`${API}/users`)).json();
    await new Promise((r) => setTimeout(r, 10)); // the cache copy is read asynchronously
    healthy = false;
    await expect(fetch(`${API}/users`)).rejects.toThrow(TypeError);
    clock.advance(3_000);
    const response = await fetch(`${API}/users`);
    expect(response.headers.get('x-breakerbox-fallback')).toBe('cache');
    expect(response.headers.get('age')).toBe('3');
    expect(await response.json()).toEqual([{ id: 1 }]);
    expect(requests.get(API)).toBe(2);
  });

  it('leaves another origin untouched', async () => {
    server.use(
      http.get(`${API}/x`, () => HttpResponse.error()),
      http.get(`${OTHER}/x`, () => HttpResponse.json({ ok: true })),
    );
    const box = createBreakerBox({ breaker: { failureThreshold: 1 } });
    const fetch = createFetch(box);
    await fetch(`${API}/x`).catch(() => {});
    expect(box.state(API)).toBe('open');
    expect((await fetch(`${OTHER}/x`)).status).toBe(200);
    expect(box.state(OTHER)).toBe('closed');
  });
});
