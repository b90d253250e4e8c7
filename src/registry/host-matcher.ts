import type { HostOptions } from '../core/types.js';
import { show } from '../core/validate.js';

/**
 * Finds the host entry for an origin: an exact origin first, then the longest matching
 * `*.domain` pattern (any scheme and port). `*.example.com` matches `api.example.com`
 * and `a.b.example.com`, not `example.com` itself.
 */
export class HostMatcher {
  readonly #exact = new Map<string, HostOptions>();
  /** Suffixes such as `.example.com`, longest first. */
  readonly #patterns: [suffix: string, options: HostOptions][] = [];

  constructor(hosts: Record<string, HostOptions>) {
    for (const [key, options] of Object.entries(hosts)) {
      const path = `options.hosts[${JSON.stringify(key)}]`;
      if (key.startsWith('*.')) {
        const domain = key.slice(2).toLowerCase();
        if (domain === '' || /[^a-z0-9.-]/.test(domain) || domain.startsWith('.') || domain.endsWith('.')) {
          throw new TypeError(`${path}: a host pattern must look like '*.example.com', got ${show(key)}`);
        }
        this.#patterns.push([`.${domain}`, options]);
        continue;
      }
      let origin: string;
      try {
        origin = new URL(key).origin;
      } catch {
        origin = 'null';
      }
      // Only an exact origin (scheme, host, port) may key a host: a path or query would never match.
      if (origin === 'null' || (origin !== key && `${origin}/` !== key && origin !== key.toLowerCase())) {
        throw new TypeError(`${path}: a host key must be an origin like 'https://api.example.com' or a pattern like '*.example.com', got ${show(key)}`);
      }
      this.#exact.set(origin, options);
    }
    this.#patterns.sort((a, b) => b[0].length - a[0].length);
  }

  /** The host entry that applies to `origin`, or `undefined` for the box's defaults. */
  match(origin: string): HostOptions | undefined {
    const exact = this.#exact.get(origin);
    if (exact !== undefined || this.#patterns.length === 0) return exact;
    const hostname = hostnameOf(origin);
    for (const [suffix, options] of this.#patterns) if (hostname.endsWith(suffix)) return options;
    return undefined;
  }
}

/** `https://api.example.com:8443` → `api.example.com`; IPv6 hosts keep their brackets. */
function hostnameOf(origin: string): string {
  const host = origin.slice(origin.indexOf('://') + 3);
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
