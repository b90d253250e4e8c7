import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listenStrict } from '../../src/testing/msw/index.js';
import { startLocalServer, type LocalServer } from '../helpers/local-server.js';

let local: LocalServer;
let other: LocalServer;

beforeAll(async () => {
  [local, other] = await Promise.all([startLocalServer(), startLocalServer()]);
});
afterAll(async () => {
  await Promise.all([local.close(), other.close()]);
});

/**
 * Run `body` with MSW's console.error captured, not printed: the strict listener reports
 * every unhandled request there, and a passing run should not print red text. Returns
 * what MSW reported.
 */
async function captureMswErrors(body: () => Promise<void>): Promise<string[]> {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await body();
    return spy.mock.calls.map((args) => args.map(String).join(' '));
  } finally {
    spy.mockRestore();
  }
}

/** Run `body` with a fresh server listening strictly, and always close it. */
async function withStrictServer(options: Parameters<typeof listenStrict>[1], body: () => Promise<void>): Promise<void> {
  const server = setupServer(http.get('https://api.example.test/ok', () => HttpResponse.text('ok')));
  listenStrict(server, options);
  try {
    await body();
  } finally {
    server.close();
  }
}

describe('listenStrict', () => {
  it('answers handled requests as usual', async () => {
    await withStrictServer({}, async () => {
      expect(await (await fetch('https://api.example.test/ok')).text()).toBe('ok');
    });
  });

  it('fails an unhandled request without letting it reach the network', async () => {
    const reported = await captureMswErrors(() =>
      withStrictServer({}, async () => {
        await expect(fetch(`${local.origin}/ok`)).rejects.toThrow(TypeError);
        expect(local.hits()).toBe(0);
      }),
    );
    expect(reported).toEqual([expect.stringContaining(`[MSW] Error: intercepted a request without a matching request handler:\n\n  • GET ${local.origin}/ok`)]);
  });

  it('lets unhandled requests to passthrough origins reach the real server, and fails the rest', async () => {
    const reported = await captureMswErrors(() =>
      withStrictServer({ passthrough: [`${local.origin}/any/path`] }, async () => {
        expect((await fetch(`${local.origin}/ok`)).status).toBe(200);
        await expect(fetch(`${other.origin}/ok`)).rejects.toThrow(TypeError);
        expect([local.hits(), other.hits()]).toEqual([1, 0]);
      }),
    );
    // Only the request that was not let through is reported.
    expect(reported).toEqual([expect.stringContaining(`intercepted a request without a matching request handler:\n\n  • GET ${other.origin}/ok`)]);
  });

  it('starts a browser worker with the error strategy when given one', async () => {
    const calls: unknown[] = [];
    const worker = { start: async (options?: unknown) => calls.push(options) };
    await listenStrict(worker);
    expect(calls).toEqual([{ onUnhandledFrame: 'error' }]);
  });

  it('throws a TypeError naming the msw 2 option when given onUnhandledRequest', () => {
    const server = setupServer();
    expect(() => listenStrict(server, { onUnhandledRequest: 'bypass' } as never)).toThrow(/onUnhandledRequest is the msw 2 name, which msw 3 ignores/);
  });

  it('throws a TypeError naming the value when the target or a passthrough origin is invalid', () => {
    expect(() => listenStrict({} as never)).toThrow(new TypeError('listenStrict(target) expects an msw server (setupServer) or worker (setupWorker), got an object'));
    expect(() => listenStrict(setupServer(), { passthrough: ['localhost'] })).toThrow(
      new TypeError('listenStrict options.passthrough[0] must be an absolute URL or origin, got "localhost"'),
    );
  });
});
