import { expect } from 'vitest';
import type { Scenario } from './scenarios.js';
import { counts, settle } from './scenarios.js';

/**
 * The cached fallback in a server that calls an API for many users (issue 9). Each of
 * these served one user's response to another, or a no-store response, in 0.1.
 */
export const cacheScenarios: Scenario[] = [
  {
    name: "never serves one user's response to another (x-api-key as a credential, and Proxy-Authorization)",
    options: { breaker: { failureThreshold: 1 }, fallback: { cache: { credentialHeaders: ['X-Api-Key'] } } },
    async run({ client, box, host }) {
      expect(await client.get(`${host.origin}/me`, { headers: { 'x-api-key': 'alice' } })).toMatchObject({ status: 200, body: 'ok /me alice' });
      expect(await client.get(`${host.origin}/proxy`, { headers: { 'proxy-authorization': 'Basic YWxpY2U=' } })).toMatchObject({ status: 200 });
      await settle();
      host.set('network');
      await client.get(`${host.origin}/trip`);
      expect(await client.get(`${host.origin}/me`, { headers: { 'x-api-key': 'bob' } })).toEqual({ kind: 'open' });
      expect(await client.get(`${host.origin}/me`)).toEqual({ kind: 'open' });
      expect(await client.get(`${host.origin}/proxy`, { headers: { 'proxy-authorization': 'Basic Ym9i' } })).toEqual({ kind: 'open' });
      expect(counts(box, host.origin)).toMatchObject({ state: 'open', fallbacks: 0 });
    },
  },
  {
    name: 'keeps private and cookie-setting responses out of a shared cache',
    options: { breaker: { failureThreshold: 1 }, fallback: { cache: true } },
    async run({ client, box, host }) {
      host.set({ okHeaders: { 'cache-control': 'private, max-age=60' } });
      await client.get(`${host.origin}/private`);
      host.set({ okHeaders: { 'set-cookie': 'sid=alice; HttpOnly' } });
      await client.get(`${host.origin}/session`);
      host.set('ok');
      await client.get(`${host.origin}/public`);
      await settle();
      host.set('network');
      await client.get(`${host.origin}/trip`);
      expect(await client.get(`${host.origin}/private`)).toEqual({ kind: 'open' });
      expect(await client.get(`${host.origin}/session`)).toEqual({ kind: 'open' });
      expect(await client.get(`${host.origin}/public`)).toMatchObject({ status: 200, fallback: 'cache' });
      expect(counts(box, host.origin)).toMatchObject({ fallbacks: 1 });
    },
  },
  {
    name: 'a private cache answers each user with their own response, and nobody else',
    options: { breaker: { failureThreshold: 1 }, fallback: { cache: { private: true, credentialHeaders: ['x-api-key'] } } },
    async run({ client, host }) {
      for (const user of ['alice', 'bob']) await client.get(`${host.origin}/me`, { headers: { 'x-api-key': user } });
      await settle();
      host.set('network');
      await client.get(`${host.origin}/trip`);
      expect(await client.get(`${host.origin}/me`, { headers: { 'x-api-key': 'bob' } })).toMatchObject({ body: 'ok /me bob', fallback: 'cache' });
      expect(await client.get(`${host.origin}/me`, { headers: { 'x-api-key': 'alice' } })).toMatchObject({ body: 'ok /me alice', fallback: 'cache' });
      expect(await client.get(`${host.origin}/me`, { headers: { 'x-api-key': 'carol' } })).toEqual({ kind: 'open' });
    },
  },
  {
    name: 'partitions the cache by cache.key, and stores nothing where it returns undefined',
    options: {
      breaker: { failureThreshold: 1 },
      fallback: { cache: { key: ({ headers }) => headers['x-session'] } },
    },
    async run({ client, host }) {
      await client.get(`${host.origin}/page`, { headers: { 'x-session': 'one' } });
      await client.get(`${host.origin}/anonymous`);
      await settle();
      host.set('network');
      await client.get(`${host.origin}/trip`);
      expect(await client.get(`${host.origin}/page`, { headers: { 'x-session': 'one' } })).toMatchObject({ fallback: 'cache' });
      expect(await client.get(`${host.origin}/page`, { headers: { 'x-session': 'two' } })).toEqual({ kind: 'open' });
      expect(await client.get(`${host.origin}/anonymous`)).toEqual({ kind: 'open' });
    },
  },
  {
    name: 'stores under the headers as they were when the call was made',
    options: { breaker: { failureThreshold: 1 }, fallback: { cache: { credentialHeaders: ['x-api-key'] } } },
    async run({ client, host }) {
      const headers: Record<string, string> = { 'x-api-key': 'alice' };
      const pending = client.get(`${host.origin}/me`, { headers });
      // The caller reuses its headers object for the next user before the answer arrives.
      delete headers['x-api-key'];
      expect(await pending).toMatchObject({ status: 200, body: 'ok /me alice' });
      await settle();
      host.set('network');
      await client.get(`${host.origin}/trip`);
      // 0.1 stored alice's answer as if it had no credentials, and served it to anyone.
      expect(await client.get(`${host.origin}/me`)).toEqual({ kind: 'open' });
    },
  },
  {
    name: 'never stores or replays a request that says Cache-Control: no-store',
    options: { breaker: { failureThreshold: 1 }, fallback: { cache: true } },
    async run({ client, host }) {
      await client.get(`${host.origin}/fresh`, { headers: { 'cache-control': 'no-store' } });
      await client.get(`${host.origin}/kept`);
      await settle();
      host.set('network');
      await client.get(`${host.origin}/trip`);
      expect(await client.get(`${host.origin}/fresh`)).toEqual({ kind: 'open' });
      expect(await client.get(`${host.origin}/kept`, { headers: { 'cache-control': 'no-store' } })).toEqual({ kind: 'open' });
      expect(await client.get(`${host.origin}/kept`)).toMatchObject({ fallback: 'cache' });
    },
  },
];
