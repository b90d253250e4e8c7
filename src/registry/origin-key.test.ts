import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastOrigin, isPlainUrl, toOrigin } from './origin-key.js';

describe('toOrigin', () => {
  it.each([
    ['https://api.example.com/users?x=1#top', 'https://api.example.com'],
    ['https://api.example.com', 'https://api.example.com'],
    ['http://localhost:3000/x', 'http://localhost:3000'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://api.example.com:443/x', 'https://api.example.com'],
    ['http://api.example.com:80/x', 'http://api.example.com'],
    ['http://api.example.com:443/x', 'http://api.example.com:443'],
    ['HTTPS://API.Example.COM:443/x', 'https://api.example.com'],
    ['https://user:pass@api.example.com/x', 'https://api.example.com'],
    ['http://0x7f.1/', 'http://127.0.0.1'],
    ['http://127.1:3000/', 'http://127.0.0.1:3000'],
    ['http://[::1]:3000/', 'http://[::1]:3000'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example'],
    ['http://api.example.com:0080/', 'http://api.example.com'],
    ['https://api.example.com\\x', 'https://api.example.com'],
  ])('gives the origin of %s as %s', (url, origin) => {
    expect(toOrigin(url)).toBe(origin);
  });

  it('treats localhost and 127.0.0.1 as different origins', () => {
    expect(toOrigin('http://localhost:3000/')).not.toBe(toOrigin('http://127.0.0.1:3000/'));
  });

  it('accepts URL objects', () => {
    expect(toOrigin(new URL('https://api.example.com/x'))).toBe('https://api.example.com');
  });

  it('throws a TypeError for a URL that does not parse', () => {
    expect(() => toOrigin('/relative')).toThrow(new TypeError('Failed to parse URL from /relative'));
    expect(() => toOrigin('http://')).toThrow(TypeError);
  });

  it('gives "null" for URLs without an origin', () => {
    expect(toOrigin('data:text/plain,hi')).toBe('null');
  });
});

describe('fastOrigin', () => {
  const label = fc.stringMatching(/^[a-z0-9-]{1,8}$/);
  const host = fc.oneof(
    fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
    fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((parts) => parts.join('.')),
    // IPv4 parts the parser rewrites or rejects: leading zeros, four digits, > 255, empty.
    fc.array(fc.constantFrom('0', '00', '010', '7', '99', '255', '256', '1000', ''), { minLength: 3, maxLength: 5 }).map((parts) => parts.join('.')),
    fc.constantFrom('localhost', '0x7f.1', '1.2.3', 'a..b', 'a.', '.a', 'A.com', '[::1]'),
  );
  const port = fc.option(fc.oneof(fc.nat(70_000).map(String), fc.constantFrom('', '080', '443', '80', '00')), { nil: undefined });
  const rest = fc.constantFrom('', '/', '/path', '?q=1', '#f', '/a/b?c#d', '\\x', '@evil.com/', ':1/');
  const url = fc
    .tuple(fc.constantFrom('http://', 'https://'), host, port, rest)
    .map(([scheme, h, p, r]) => `${scheme}${h}${p === undefined ? '' : `:${p}`}${r}`);

  it('agrees with the WHATWG URL parser whenever it answers', () => {
    fc.assert(
      fc.property(url, (input) => {
        const fast = fastOrigin(input);
        if (fast === undefined) return;
        expect(URL.canParse(input)).toBe(true);
        expect(fast).toBe(new URL(input).origin);
      }),
      { numRuns: 5_000 },
    );
  });

  it('answers for the plain shapes the hot path sees', () => {
    expect(fastOrigin('https://api.example.com/users')).toBe('https://api.example.com');
    expect(fastOrigin('http://127.0.0.1:3000/x')).toBe('http://127.0.0.1:3000');
    expect(fastOrigin('http://0.0.0.0/')).toBe('http://0.0.0.0');
    expect(fastOrigin('http://255.255.255.255/')).toBe('http://255.255.255.255');
    for (const rewritten of ['http://010.0.0.1/', 'http://1.2.3.256/', 'http://1000.0.0.1/', 'http://1.2.3/', 'http://1.2.3.4.5/', 'http://1..2.3/']) {
      expect(fastOrigin(rewritten), rewritten).toBeUndefined();
    }
  });
});

describe('isPlainUrl', () => {
  it('says what fastOrigin says, also for a URL that only starts like the last origin seen', () => {
    expect(isPlainUrl('http://127.0.0.1:3000/a')).toBe(true);
    expect(isPlainUrl('http://127.0.0.1:3000?b')).toBe(true);
    expect(isPlainUrl('http://127.0.0.1:3000')).toBe(true);
    // Same first characters, another authority: scanned, not taken on the last origin's word.
    expect(isPlainUrl('http://127.0.0.1:30001/')).toBe(true);
    expect(isPlainUrl('http://127.0.0.1:3000@evil.com/')).toBe(false);
    expect(isPlainUrl('http://127.0.0.1:3000\\x')).toBe(false);
    expect(isPlainUrl('http://127.0.0.1:3000/x')).toBe(true);
    expect(isPlainUrl('HTTP://127.0.0.1:3000/x')).toBe(false);
    expect(isPlainUrl('/relative')).toBe(false);
  });
});
