import { http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { countRequests, listenStrict, outage } from '../../src/testing/msw/index.js';
import { startLocalServer, type LocalServer } from '../helpers/local-server.js';
import { createManualClock } from '../helpers/manual-clock.js';

const API = 'https://api.example.test';
const OTHER = 'https://other.example.test';
const server = setupServer(http.all(`${API}/*`, () => HttpResponse.text('ok')), http.all(`${OTHER}/*`, () => HttpResponse.text('ok')));
let local: LocalServer;

beforeAll(async () => {
  local = await startLocalServer();
  listenStrict(server);
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await local.close();
});

describe('countRequests', () => {
  it('counts requests per origin when they are handled', async () => {
    const requests = countRequests(server);
    await fetch(`${API}/a`);
    await fetch(`${API}/b?x=1`);
    await fetch(`${OTHER}/a`);
    expect(requests.get(API)).toBe(2);
    expect(requests.get(OTHER)).toBe(1);
    expect(requests.get('https://never.example.test')).toBe(0);
    expect(requests.total()).toBe(3);
    expect(requests.byOrigin()).toEqual({ [API]: 2, [OTHER]: 1 });
    requests.dispose();
  });

  it('accepts a full URL or a URL object in get', async () => {
    const requests = countRequests(server);
    await fetch(`${API}/a`);
    expect(requests.get(`${API}/somewhere/else?q`)).toBe(1);
    expect(requests.get(new URL(API))).toBe(1);
    requests.dispose();
  });

  it('counts requests that fail, are unhandled, or pass through to a real server', async () => {
    const requests = countRequests(server);
    server.use(outage.network(`${API}/down`), http.all(`${local.origin}/*`, () => passthrough()));
    await expect(fetch(`${API}/down`)).rejects.toThrow(TypeError);
    // The strict listener reports the unhandled request with console.error: captured here, not printed.
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await expect(fetch('https://unhandled.example.test/')).rejects.toThrow(TypeError);
      expect(reported.mock.calls.map((args) => args.map(String).join(' '))).toEqual([
        expect.stringContaining('[MSW] Error: intercepted a request without a matching request handler:\n\n  • GET https://unhandled.example.test/'),
      ]);
    } finally {
      reported.mockRestore();
    }
    expect((await fetch(`${local.origin}/ok`)).status).toBe(200);
    expect(requests.get(API)).toBe(1);
    expect(requests.get('https://unhandled.example.test')).toBe(1);
    expect(requests.get(local.origin)).toBe(1);
    expect(local.hits()).toBe(1);
    requests.dispose();
  });

  it('counts a request the client aborted while the server hung', async () => {
    const requests = countRequests(server);
    server.use(outage.hang(`${API}/slow`));
    const controller = new AbortController();
    const started = new Promise<void>((resolve) => server.events.on('request:start', () => resolve(), { once: true }));
    const pending = fetch(`${API}/slow`, { signal: controller.signal });
    await started;
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    expect(requests.get(API)).toBe(1);
    requests.dispose();
  });

  it('counts nothing for a request refused by an open breaker', async () => {
    const requests = countRequests(server);
    server.use(outage.status(API, 503));
    const box = createBreakerBox({ breaker: { failureThreshold: 1 }, clock: createManualClock() });
    const resilientFetch = createFetch(box);
    expect((await resilientFetch(`${API}/x`)).status).toBe(503);
    const refused = await resilientFetch(`${API}/x`).catch((error: unknown) => error);
    expect(isCircuitOpenError(refused)).toBe(true);
    expect(requests.get(API)).toBe(1);
    requests.dispose();
  });

  it('starts again from zero when reset', async () => {
    const requests = countRequests(server);
    await fetch(`${API}/a`);
    requests.reset();
    expect([requests.get(API), requests.total(), requests.byOrigin()]).toEqual([0, 0, {}]);
    await fetch(`${API}/a`);
    expect(requests.get(API)).toBe(1);
    requests.dispose();
  });

  it('stops counting but keeps its counts when disposed, and tolerates a second dispose', async () => {
    const requests = countRequests(server);
    await fetch(`${API}/a`);
    requests.dispose();
    await fetch(`${API}/a`);
    expect(requests.get(API)).toBe(1);
    expect(() => requests.dispose()).not.toThrow();
  });

  it('counts independently when two counters listen', async () => {
    const first = countRequests(server);
    await fetch(`${API}/a`);
    const second = countRequests(server);
    await fetch(`${API}/a`);
    expect([first.get(API), second.get(API)]).toEqual([2, 1]);
    first.dispose();
    second.dispose();
  });

  it('throws a TypeError naming the value when given no server or a bad origin', () => {
    expect(() => countRequests({} as never)).toThrow(new TypeError('countRequests(server) expects an msw server or worker with events, got an object'));
    expect(() => countRequests(null as never)).toThrow(TypeError);
    const requests = countRequests(server);
    expect(() => requests.get('api.example.test')).toThrow(new TypeError('RequestCounter.get(urlOrOrigin) expects an absolute URL or origin, got "api.example.test"'));
    requests.dispose();
  });
});
