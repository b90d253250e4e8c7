/**
 * Issue 10: errors of the axios client itself are not the origin's fault. A bad option, a
 * size limit the caller set, a redirect hook that throws and a request body stream that fails
 * are ignored by the breaker: nothing counted, no outcome, the breaker stays closed even with
 * `failureThreshold: 1`.
 *
 * 0.1 (seen running axios' own test suite through breakerbox) recorded each of them as a
 * `network` failure of the origin, so one bad call opened a healthy host's breaker.
 */
import { createReadStream } from 'node:fs';
import axios, { type AxiosRequestConfig } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox, type Verdict } from '../../src/index.js';
import { attachToAxios } from '../../src/adapters/axios/index.js';
import { listenLoopback, type LoopbackServer } from '../helpers/listen-loopback.js';

let server: LoopbackServer;
let hits = 0;
beforeAll(async () => {
  server = await listenLoopback((req, res, url) => {
    hits++;
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: '/ok' });
      res.end();
      return;
    }
    // Drain any request body before answering, as a real server would.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(url.pathname === '/big' ? 'x'.repeat(4096) : 'ok');
    });
  });
});
afterAll(() => server.close());

interface Fault {
  name: string;
  adapters: ('http' | 'fetch')[];
  config: () => AxiosRequestConfig;
  /** What the caller must still see: axios' own error. */
  expected: RegExp;
}

const faults: Fault[] = [
  { name: 'an option axios rejects (httpVersion: 3, ERR_BAD_OPTION_VALUE)', adapters: ['http'], config: () => ({ url: '/ok', httpVersion: 3 } as unknown as AxiosRequestConfig), expected: /ERR_BAD_OPTION_VALUE/ },
  { name: 'a maxContentLength violation', adapters: ['http', 'fetch'], config: () => ({ url: '/big', maxContentLength: 100 }), expected: /maxContentLength/ },
  { name: 'a maxBodyLength violation', adapters: ['http', 'fetch'], config: () => ({ url: '/ok', method: 'post', data: 'y'.repeat(1000), maxBodyLength: 100 }), expected: /maxBodyLength/ },
  {
    name: 'a beforeRedirect that throws on a real redirect',
    adapters: ['http'],
    config: () => ({
      url: '/redirect',
      beforeRedirect: () => {
        throw new Error('redirect refused by the caller');
      },
    }),
    expected: /redirect refused by the caller/,
  },
  {
    name: "a request body stream that fails (fs.createReadStream('/nonexistent'), ENOENT)",
    adapters: ['http'],
    config: () => ({ url: '/ok', method: 'post', data: createReadStream('/nonexistent/breakerbox-test-file'), headers: { 'content-type': 'application/octet-stream' } }),
    expected: /ENOENT/,
  },
];

describe.each(faults.flatMap((fault) => fault.adapters.map((adapter) => ({ ...fault, adapter }))))('$name ($adapter adapter)', ({ adapter, config, expected }) => {
  it('is ignored: the caller gets axios\' error, the breaker counts nothing and stays closed with failureThreshold 1', async () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 1 } });
    const verdicts: Verdict[] = [];
    box.on('outcome', ({ verdict }) => verdicts.push(verdict));
    const instance = axios.create({ adapter, baseURL: server.origin });
    attachToAxios(box, instance);

    const error = await instance.request(config()).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeDefined();
    const { code, message, cause } = error as { code?: string; message?: string; cause?: { message?: string; code?: string } };
    expect(`${code} ${message} ${cause?.code} ${cause?.message}`).toMatch(expected);

    expect(verdicts).toEqual([]);
    expect(box.state(server.origin)).toBe('closed');
    const entry = box.snapshot().find((e) => e.origin === server.origin);
    expect(entry === undefined || entry.failures === 0).toBe(true);

    // The origin is still served: the next request goes out and counts as a success.
    const before = hits;
    expect((await instance.get('/ok')).data).toBe('ok');
    expect(hits - before).toBe(1);
    expect(verdicts).toEqual(['success']);
    expect(box.snapshot().find((e) => e.origin === server.origin)).toMatchObject({ state: 'closed', failures: 0, successes: 1 });
  });
});
