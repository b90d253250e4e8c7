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
        const request = JSON.parse(body) as { model: string; messages: { content: string }[] };
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

/** A signal aborted (with no reason, as a user's AbortController) after `ms`. */
function abortAfter(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}
