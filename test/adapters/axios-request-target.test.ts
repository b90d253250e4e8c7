import axios from 'axios';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainFullUrl } from '../../src/adapters/axios/request-target.js';

/** axios's own answer, with no defaults merged in (as the adapter asks it). */
const getUri = (config: object) => new axios.Axios({}).getUri(config);

describe('plainFullUrl', () => {
  it.each([
    [{ url: 'https://api.example.com/users' }],
    [{ baseURL: 'https://api.example.com/v1/', url: '/users' }],
    [{ baseURL: 'https://api.example.com/v1//', url: 'users' }],
    [{ baseURL: 'https://api.example.com/v1', url: 'users?x=1' }],
    [{ baseURL: 'https://api.example.com/v1', url: '' }],
    [{ baseURL: 'https://api.example.com/v1', url: 'https://other.example.com/x' }],
    [{ baseURL: 'https://api.example.com/v1', url: 'https://other.example.com/x', allowAbsoluteUrls: false }],
    [{ baseURL: 'http://127.0.0.1:3000', url: '/x' }],
  ])('matches getUri for %j', (config) => {
    expect(plainFullUrl(config)).toBe(getUri(config));
  });

  it.each([
    [{ url: '/relative' }],
    [{ url: '//cdn.example.com/x' }],
    [{ baseURL: 'https://api.example.com/v1/', url: '//users' }],
    [{ baseURL: 'https://api.example.com', url: '/x', params: { q: 'a b' } }],
    [{ url: 'HTTPS://API.example.com/x' }],
    [{ url: 'https://user:pass@api.example.com/x' }],
    [{ url: undefined }],
  ])('leaves %j to getUri', (config) => {
    expect(plainFullUrl(config as never)).toBeUndefined();
  });

  it('agrees with getUri whenever it answers', () => {
    const segment = fc.stringMatching(/^[a-z0-9./?=&#-]{0,12}$/);
    const slashes = fc.constantFrom('', '/', '//');
    const base = fc.option(fc.tuple(fc.constantFrom('https://api.example.com', 'http://127.0.0.1:8080', 'https://a.example.com:8443'), slashes, segment, slashes).map((p) => p.join('')), { nil: undefined });
    const url = fc.oneof(fc.tuple(slashes, segment).map((p) => p.join('')), fc.tuple(fc.constantFrom('https://other.example.com', '//cdn.example.com'), slashes, segment).map((p) => p.join('')));
    fc.assert(
      fc.property(base, url, fc.option(fc.boolean(), { nil: undefined }), (baseURL, requested, allowAbsoluteUrls) => {
        const config = { baseURL, url: requested, allowAbsoluteUrls };
        const fast = plainFullUrl(config as Parameters<typeof plainFullUrl>[0]);
        if (fast !== undefined) expect(fast).toBe(getUri(config));
      }),
      { numRuns: 3_000 },
    );
  });
});
