import type { ManualClock } from '../helpers/manual-clock.js';

/**
 * A fetch that answers from a script instead of the network: each origin has a status
 * and a latency, and the latency moves the manual clock, so durations are exact.
 */
export function createScriptedFetch(clock: ManualClock) {
  const script = new Map<string, { status: number; latency: number }>();
  const sent: string[] = [];
  async function scriptedFetch(input: string | URL | Request): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : input);
    const { status, latency } = script.get(url.origin) ?? { status: 200, latency: 0 };
    sent.push(url.href);
    clock.advance(latency);
    return new Response(status === 200 ? '{"ok":true}' : '{"error":"down"}', { status, headers: { 'content-type': 'application/json' } });
  }
  return {
    fetch: scriptedFetch,
    sent,
    /** From now on, `origin` answers `status` after `latency` ms of clock time. */
    set(origin: string, status: number, latency = 0): void {
      script.set(origin, { status, latency });
    },
  };
}
