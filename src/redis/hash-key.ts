const encoder = new TextEncoder();

/**
 * The Redis key of a cache key: the prefix and a SHA-256 of the box's key, in hex.
 * A box's key holds a whole URL (and, for a private cache, a hash of the credentials):
 * hashed, every Redis key has the same short length, and no URL, query token or
 * partition name is readable in `KEYS`/`SCAN` output or Redis's slow log.
 */
export async function hashedKey(prefix: string, key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(key)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return `${prefix}${hex}`;
}
