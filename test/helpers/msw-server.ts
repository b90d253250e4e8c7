import type { RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { countRequests, listenStrict } from '../../src/testing/msw/index.js';

/**
 * The MSW lifecycle every integration suite uses, on the project's own kit: a strict
 * listen (unhandled requests are errors, nothing reaches the network), a per-origin
 * request counter reset after each test, and a clean close.
 */
export function useMswServer(...handlers: RequestHandler[]) {
  const server = setupServer(...handlers);
  const requests = countRequests(server);
  beforeAll(() => listenStrict(server));
  afterEach(() => {
    server.resetHandlers();
    requests.reset();
  });
  afterAll(() => {
    requests.dispose();
    server.close();
  });
  return { server, requests };
}
