/**
 * Response bodies the contract scenarios need beyond a plain answer, written once as web
 * streams so the MSW backend and the real node:http backend serve the same bytes:
 * - `stream`: `chunks` chunks, one every `every` ms, then the end;
 * - `endless`: a server-sent event every 20 ms until the client goes away;
 * - `bodyReset`: one chunk, then the connection breaks;
 * - `bodyStall`: one chunk, then nothing, ever.
 */
export type BodyHealth = { stream: { chunks: number; every: number } } | 'endless' | 'bodyReset' | 'bodyStall';

export function isBodyHealth(health: unknown): health is BodyHealth {
  return health === 'endless' || health === 'bodyReset' || health === 'bodyStall' || (typeof health === 'object' && health !== null && 'stream' in health);
}

/** Open streams a backend is still writing, so a scenario can check the client really let go. */
export interface StreamLedger {
  open: number;
}

/** The chunks of a body health, as an async generator the backends write out. `broken` rejects where the body breaks. */
export async function* bodyChunks(health: BodyHealth, stopped: () => boolean): AsyncGenerator<string, 'end' | 'reset' | 'stall'> {
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  if (health === 'endless') {
    for (let i = 0; !stopped(); i++) {
      yield `data: ${i}\n\n`;
      await wait(20);
    }
    return 'end';
  }
  yield 'first;';
  if (health === 'bodyReset') return 'reset';
  if (health === 'bodyStall') return 'stall';
  for (let i = 1; i < health.stream.chunks && !stopped(); i++) {
    await wait(health.stream.every);
    yield `chunk${i};`;
  }
  return 'end';
}
