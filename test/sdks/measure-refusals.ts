/**
 * Measures what each SDK does with one call once its origin's breaker is open, with the
 * SDK's defaults (its own retries, breakerbox's `onRefusal: 'throw'`, no breakerbox retry)
 * and with the recipe of the README's "With popular SDKs". Not a test (it sleeps up to
 * ~15 s for octokit's defaults); run it by hand:
 *
 *   node --import ./scripts/register-source.mjs test/sdks/measure-refusals.ts
 */
import { retry as octokitRetry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { PostgrestClient } from '@supabase/postgrest-js';
import { gql, GraphQLClient } from 'graphql-request';
import { createFetch as createOfetch } from 'ofetch';
import OpenAI from 'openai';
import createClient from 'openapi-fetch';
import Stripe from 'stripe';
import wretch from 'wretch';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, findBreakerBoxError, isCircuitOpenError, type BreakerBoxOptions } from '../../src/index.js';
import { startImitation, timed, tripThroughSdk, type ImitationServer } from './imitation-server.js';

type Call = () => PromiseLike<unknown>;
type Setup = (fetch: typeof globalThis.fetch, server: ImitationServer, recipe: boolean) => Call;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const sdks: Record<string, { recipe: BreakerBoxOptions; setup: Setup }> = {
  openai: {
    recipe: { onRefusal: 'respond' },
    setup: (fetch, server) => {
      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, fetch });
      return () => openai.models.retrieve('gpt-4o');
    },
  },
  stripe: {
    recipe: { onRefusal: 'respond' },
    setup: (fetch, server) => {
      const stripe = new Stripe('sk_test_123', { host: '127.0.0.1', port: Number(new URL(server.origin).port), protocol: 'http', httpClient: Stripe.createFetchHttpClient(fetch), telemetry: false });
      return () => stripe.customers.retrieve('cus_123');
    },
  },
  'octokit + plugin-retry': {
    recipe: { retry: { attempts: 2, delay: 10 } },
    setup: (fetch, server, recipe) => {
      const octokit = new (Octokit.plugin(octokitRetry))({ baseUrl: server.origin, request: { fetch }, log: quiet, ...(recipe ? { retry: { enabled: false } } : {}) });
      return () => octokit.rest.repos.get({ owner: 'octocat', repo: 'Hello-World' });
    },
  },
  'postgrest-js': {
    recipe: { retry: { attempts: 2, delay: 10 } },
    setup: (fetch, server, recipe) => {
      const db = new PostgrestClient(`${server.origin}/rest/v1`, { fetch, ...(recipe ? { retry: false } : {}) });
      return () => db.from('todos').select('*').throwOnError();
    },
  },
  ofetch: {
    recipe: { retry: { attempts: 2, delay: 10 } },
    setup: (fetch, server, recipe) => {
      const api = createOfetch({ fetch, defaults: { baseURL: server.origin, ...(recipe ? { retry: 0 as const } : {}) } });
      return () => api('/todos');
    },
  },
  wretch: {
    recipe: { retry: { attempts: 2, delay: 10 } },
    setup: (fetch, server) => {
      const api = wretch(server.origin).polyfills({ fetch });
      return () => api.get('/todos').json();
    },
  },
  'graphql-request': {
    recipe: { retry: { attempts: 2, delay: 10 } },
    setup: (fetch, server, recipe) => {
      const client = new GraphQLClient(`${server.origin}/graphql`, { fetch, ...(recipe ? { method: 'GET' as const } : {}) });
      return () => client.request(gql`{ viewer { login } }`);
    },
  },
  'openapi-fetch': {
    recipe: { retry: { attempts: 2, delay: 10 } },
    setup: (fetch, server) => {
      const client = createClient<Record<string, never>>({ baseUrl: server.origin, fetch });
      return () => client.request('get', '/pets' as never);
    },
  },
};

/** One SDK, defaults or recipe: trip the breaker through it, then time one call. */
async function measure(name: string, recipe: boolean): Promise<string> {
  const server = await startImitation(() => ({ json: {} }), { status: 500, json: { error: { type: 'api_error', message: 'boom' } } });
  try {
    const { setup, recipe: options } = sdks[name]!;
    const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 30_000 }, ...(recipe ? options : {}) });
    const call = setup(createFetch(box) as typeof globalThis.fetch, server, recipe);
    await tripThroughSdk(box, server, call, 20);
    const sent = server.hits();
    const { ms, error } = await timed(call);
    const found = findBreakerBoxError(error);
    const shape = isCircuitOpenError(error)
      ? 'CircuitOpenError itself'
      : isCircuitOpenError(found)
        ? `${(error as Error).constructor.name} wrapping it`
        : `${(error as Error | undefined)?.constructor.name ?? 'no error'} (${String((error as { status?: number; statusCode?: number })?.status ?? (error as { statusCode?: number })?.statusCode ?? '')})`;
    return `${name.padEnd(24)} ${(recipe ? 'recipe' : 'defaults').padEnd(9)} ${ms.toFixed(0).padStart(6)} ms  sent ${server.hits() - sent}  ${shape}`;
  } finally {
    await server.close();
  }
}

const wanted = process.argv.slice(2);
const names = Object.keys(sdks).filter((name) => wanted.length === 0 || wanted.includes(name));
const rows = await Promise.all(names.flatMap((name) => [measure(name, false), measure(name, true)]));
console.log(rows.join('\n'));
