import { describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, type FallbackValue } from '../../src/index.js';

const API = 'https://api.example.test';

/** A fallback Response from createFetch: the origin is isolated, so the value fallback answers without any fetch. */
async function fallbackResponse(value: FallbackValue): Promise<Response> {
  const box = createBreakerBox({ fallback: { value } });
  box.isolate(API);
  const fetch = createFetch(box, {
    fetch: () => {
      throw new Error('an isolated origin must not be fetched');
    },
  });
  return fetch(`${API}/items`);
}

/** The same body in a Response straight from the constructor: what every read must match. */
function nativeResponse(body: string | Uint8Array, contentType = 'application/json'): Response {
  return new Response(body as BodyInit, { headers: { 'content-type': contentType } });
}

/** What each step of a caller's use of a body gives (value or error), for a fallback and a native response alike. */
async function outcomes(response: Response, steps: ReadonlyArray<(r: Response) => unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  for (const step of steps) {
    try {
      const value = await step(response);
      seen.push(value instanceof ArrayBuffer || value instanceof Uint8Array ? ['bytes', [...new Uint8Array(value)]] : value);
    } catch (error) {
      seen.push(['throws', (error as Error).name]);
    }
  }
  return seen;
}

describe('fallback Response reads', () => {
  const sequences: Record<string, ReadonlyArray<(r: Response) => unknown>> = {
    'json, then a second read': [(r) => r.json(), (r) => r.bodyUsed, (r) => r.text(), (r) => r.arrayBuffer()],
    'text, then clone': [(r) => r.text(), (r) => r.bodyUsed, (r) => r.clone()],
    'arrayBuffer, then the body stream': [(r) => r.arrayBuffer(), (r) => r.body !== null, (r) => r.bodyUsed, (r) => r.json()],
    'the body stream, then text': [(r) => new Response(r.body).text(), (r) => r.bodyUsed, (r) => r.text()],
    'clone, then both copies': [(r) => r.clone().json(), (r) => r.json(), (r) => r.bodyUsed],
    'blob, then json': [async (r) => { const blob = await r.blob(); return [blob.type, await blob.text()]; }, (r) => r.json()],
    'bytes, then bytes': [(r) => r.bytes(), (r) => r.bytes()],
    // A library that reads through the native prototype, past the response's own methods.
    'Response.prototype.text, then json': [(r) => Response.prototype.text.call(r), (r) => r.bodyUsed, (r) => r.json()],
    'Response.prototype.arrayBuffer, then text': [(r) => Response.prototype.arrayBuffer.call(r), (r) => r.text(), (r) => r.bodyUsed],
  };

  for (const [name, steps] of Object.entries(sequences)) {
    it(`gives what a native Response gives: ${name}`, async () => {
      const body = JSON.stringify({ items: [1, 2] });
      const fallback = await fallbackResponse({ body: { items: [1, 2] } });
      expect(await outcomes(fallback, steps)).toEqual(await outcomes(nativeResponse(body), steps));
    });
  }

  it('hands each reader its own copy, so changing it changes no later fallback', async () => {
    const first = new Uint8Array(await (await fallbackResponse({ body: 'abc' })).arrayBuffer());
    first[0] = 0x7a;
    expect(await (await fallbackResponse({ body: 'abc' })).text()).toBe('abc');
    const bytes = await (await fallbackResponse({ body: new Uint8Array([1, 2, 3]) })).bytes();
    bytes[0] = 9;
    expect([...(await (await fallbackResponse({ body: new Uint8Array([1, 2, 3]) })).bytes())]).toEqual([1, 2, 3]);
  });

  it('rejects (never throws) when json() meets a body that is not JSON, like the native json()', async () => {
    const response = await fallbackResponse({ body: 'not json', headers: { 'content-type': 'text/plain' } });
    const read = response.json();
    expect(read).toBeInstanceOf(Promise);
    await expect(read).rejects.toThrow(SyntaxError);
    expect(response.bodyUsed).toBe(true);
  });

  it('decodes text() as the Fetch spec does: a leading BOM dropped, bad bytes as U+FFFD', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69, 0xff]);
    expect(await (await fallbackResponse({ body: bytes })).text()).toBe(await nativeResponse(bytes).text());
    expect(await (await fallbackResponse({ body: bytes })).text()).toBe('hi\ufffd');
  });

  it('keeps a real body stream, so code that reads response.body streams the bytes', async () => {
    const response = await fallbackResponse({ body: 'streamed' });
    const reader = response.body!.getReader();
    const chunks: number[] = [];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) chunks.push(...chunk.value);
    expect(new TextDecoder().decode(new Uint8Array(chunks))).toBe('streamed');
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it('is still a Response with its status, headers and url', async () => {
    const response = await fallbackResponse({ status: 203, body: 'x', headers: { 'x-a': '1' } });
    expect(response).toBeInstanceOf(Response);
    expect(Object.prototype.toString.call(response)).toBe('[object Response]');
    expect([response.status, response.headers.get('x-a'), response.url]).toEqual([203, '1', `${API}/items`]);
  });
});

describe('a fallback Response under a second box', () => {
  it('is watched by the outer box: its body lands in the outer cache, and it reads once', async () => {
    const inner = createBreakerBox({ fallback: { value: { status: 200, body: { from: 'inner' } } } });
    inner.isolate(API);
    const innerFetch = createFetch(inner, {
      fetch: () => {
        throw new Error('an isolated origin must not be fetched');
      },
    });
    const outer = createBreakerBox({ fallback: { cache: true } });
    const outerFetch = createFetch(outer, { fetch: innerFetch });
    const first = await outerFetch(`${API}/items`);
    expect(await first.json()).toEqual({ from: 'inner' });
    await expect(first.text()).rejects.toThrow(TypeError);
    expect(first.bodyUsed).toBe(true);
    outer.isolate(API);
    const cached = await outerFetch(`${API}/items`);
    expect(cached.headers.get('x-breakerbox-fallback')).toBe('cache');
    expect(await cached.json()).toEqual({ from: 'inner' });
  });
});
