import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, findBreakerBoxError, isCircuitOpenError, type BreakerBoxOptions } from '../../src/index.js';
import { startImitation, timed, tripThroughSdk, type ImitationServer } from './imitation-server.js';

/**
 * The openai recipe: `onRefusal: 'respond'`. openai's own retries (2 by default) stay on for
 * real failures, and each retry passes the breaker; a refusal is a 503 with
 * `x-should-retry: false`, which openai obeys over every other rule, so it stops at once.
 */
let server: ImitationServer;
beforeAll(async () => {
  server = await startImitation(
    ({ method, url, body }) => {
      if (method === 'GET' && url.pathname === '/v1/models/gpt-4o') return { json: { id: 'gpt-4o', object: 'model', created: 1_715_367_049, owned_by: 'system' } };
      if (method === 'POST' && url.pathname === '/v1/chat/completions') {
        const request = JSON.parse(body) as { model: string; messages: { content: string }[]; stream?: boolean };
        if (request.stream === true) return { json: null, events: { data: [...streamChunks(request.model, 12), '[DONE]'], interval: 40 } };
        return {
          json: {
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 1_715_367_049,
            model: request.model,
            choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${request.messages[0]!.content}` }, finish_reason: 'stop', logprobs: null }],
            usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
          },
        };
      }
      return undefined;
    },
    { status: 500, json: { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } } },
  );
});
afterAll(() => server.close());
afterEach(() => server.setHealth('healthy'));

function openaiThrough(options: BreakerBoxOptions, client: { timeout?: number; maxRetries?: number } = {}) {
  const box = createBreakerBox({ breaker: { failureThreshold: 2, openDuration: 30_000 }, ...options });
  const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, fetch: createFetch(box), ...client });
  return { box, openai };
}

describe('openai through breakerbox (onRefusal: respond)', () => {
  it('answers healthy calls unchanged (GET and POST)', async () => {
    const { box, openai } = openaiThrough({ onRefusal: 'respond' });
    const model = await openai.models.retrieve('gpt-4o');
    expect(model).toMatchObject({ id: 'gpt-4o', owned_by: 'system' });
    const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]!.message.content).toBe('echo: hi');
    expect(box.snapshot()[0]).toMatchObject({ state: 'closed', successes: 2, failures: 0 });
  });

  it('once open, a call ends in under 100 ms with nothing sent, as a 503 APIError openai did not retry', async () => {
    const { box, openai } = openaiThrough({ onRefusal: 'respond' });
    await tripThroughSdk(box, server, () => openai.models.retrieve('gpt-4o'));
    const sent = server.hits();

    const call = await timed(() => openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));

    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect(call.error).toBeInstanceOf(OpenAI.InternalServerError);
    const error = call.error as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(503);
    expect(error.type).toBe('circuit_open');
    expect(error.headers?.get('x-breakerbox-fallback')).toBe('refused');
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0);
  });

  it('without the recipe, openai wraps CircuitOpenError in APIConnectionError.cause (findBreakerBoxError finds it)', async () => {
    // maxRetries: 0 only to keep this test short; the default 2 would sleep ~0.5 s then ~1 s into refusals.
    const { box, openai } = openaiThrough({}, { maxRetries: 0 });
    await tripThroughSdk(box, server, () => openai.models.retrieve('gpt-4o'));
    const call = await timed(() => openai.models.retrieve('gpt-4o'));
    expect(call.error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(isCircuitOpenError(call.error)).toBe(false);
    expect(isCircuitOpenError(findBreakerBoxError(call.error))).toBe(true);
  });
});

describe("openai's own timeout (issue 10)", () => {
  // The imitation hangs; openai aborts its own signal after `timeout` ms, with no reason.
  const sdkTimeout = 300;

  it('without callerTimeout, a hung host never trips the breaker: the abort looks like the caller cancelling', async () => {
    const { box, openai } = openaiThrough({ onRefusal: 'respond' }, { timeout: sdkTimeout, maxRetries: 0 });
    server.setHealth('hanging');
    for (let i = 0; i < 3; i++) {
      const call = await timed(() => openai.models.retrieve('gpt-4o'));
      expect(call.error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    }
    expect(box.state(server.origin)).toBe('closed');
    expect(box.snapshot()[0]).toMatchObject({ failures: 0, successes: 0 });
  });

  it('with callerTimeout a little below the SDK timeout, each one counts as a timeout and the breaker opens', async () => {
    const { box, openai } = openaiThrough({ onRefusal: 'respond', callerTimeout: sdkTimeout - 50 }, { timeout: sdkTimeout, maxRetries: 1 });
    const outcomes: string[] = [];
    box.on('outcome', (event) => outcomes.push(`${event.outcome.kind}:${event.verdict}`));
    server.setHealth('hanging');

    const first = await timed(() => openai.models.retrieve('gpt-4o'));
    expect(first.error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    // openai's retry was the second timeout: failureThreshold 2 reached.
    expect(outcomes).toEqual(['timeout:failure', 'timeout:failure']);
    expect(box.state(server.origin)).toBe('open');

    const sent = server.hits();
    const refused = await timed(() => openai.models.retrieve('gpt-4o'));
    expect(refused.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect((refused.error as InstanceType<typeof OpenAI.APIError>).type).toBe('circuit_open');
  });

  it("a real caller's abort before callerTimeout is still ignored", async () => {
    const { box, openai } = openaiThrough({ onRefusal: 'respond', callerTimeout: sdkTimeout - 50 }, { timeout: 5_000, maxRetries: 0 });
    server.setHealth('hanging');
    const call = await timed(() => openai.models.retrieve('gpt-4o', { signal: abortAfter(30) }));
    expect(call.error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(box.snapshot()[0]).toMatchObject({ failures: 0, state: 'closed' });
  });
});

describe('openai streams with callerTimeout set', () => {
  // Headers at once, then a chunk every 40 ms: 12 chunks take ~500 ms, past callerTimeout.
  const callerTimeout = 200;
  const streamRequest = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'count' }], stream: true as const };

  it('a stream read to its end, longer than callerTimeout, is one success', async () => {
    const { box, openai } = openaiThrough({ onRefusal: 'respond', callerTimeout }, { timeout: 5_000 });
    let text = '';
    for await (const chunk of await openai.chat.completions.create(streamRequest)) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('0 1 2 3 4 5 6 7 8 9 10 11 ');
    expect(box.snapshot()[0]).toMatchObject({ successes: 1, failures: 0 });
  });

  it('a caller who breaks out of a stream after callerTimeout is not a failure of the host', async () => {
    const { box, openai } = openaiThrough({ onRefusal: 'respond', callerTimeout }, { timeout: 5_000 });
    const started = performance.now();
    let chunks = 0;
    for await (const chunk of await openai.chat.completions.create(streamRequest)) {
      chunks += chunk.choices.length;
      if (performance.now() - started > callerTimeout + 100) break; // the user has seen enough
    }
    expect(chunks).toBeGreaterThan(3);
    expect(chunks).toBeLessThan(12);
    expect(box.snapshot()[0]).toMatchObject({ failures: 0 });
  });

  /** Streams through a box with `options`, and aborts the stream mid-read, callerTimeout + 100 ms in. */
  async function cancelMidRead(options: BreakerBoxOptions) {
    const { box, openai } = openaiThrough(options, { timeout: 5_000 });
    const stream = await openai.chat.completions.create(streamRequest);
    const cancel = setTimeout(() => stream.controller.abort(), callerTimeout + 100);
    let chunks = 0;
    try {
      for await (const chunk of stream) chunks += chunk.choices.length;
    } finally {
      clearTimeout(cancel);
    }
    return { box, chunks };
  }

  it('without callerTimeout, cancelling a stream mid-read is ignored (the control for the next test)', async () => {
    const { box, chunks } = await cancelMidRead({ onRefusal: 'respond' });
    expect(chunks).toBeLessThan(12);
    expect(box.snapshot()[0]).toMatchObject({ successes: 1, failures: 0 });
  });

  // The bug this caught: a caller who cancels a stream (stream.controller.abort(), e.g. its own
  // client went away) while a chunk is awaited, after callerTimeout ms, was counted as a timeout
  // failure of the host. callerTimeout now judges aborts before the headers only
  // (AdmittedPermit.#asCounted in src/core/permit.ts; permit.bodyFailed takes the outcome as is).
  it('a caller who cancels a stream mid-read after callerTimeout is not a failure of the host', async () => {
    const { box, chunks } = await cancelMidRead({ onRefusal: 'respond', callerTimeout });
    expect(chunks).toBeGreaterThan(3);
    expect(chunks).toBeLessThan(12);
    expect(box.snapshot()[0]).toMatchObject({ failures: 0 });
  });
});

function streamChunks(model: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1_715_367_049, model, choices: [{ index: 0, delta: { content: `${i} ` }, finish_reason: null }] }),
  );
}

/** A signal aborted (with no reason, as a user's AbortController) after `ms`. */
function abortAfter(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}
