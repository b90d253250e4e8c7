import type { AttemptSignal } from '../../core/attempt-signal.js';
import type { AllowedPermit, BodyCollector, Outcome } from '../../core/types.js';

/**
 * The caller's response, its body read through a thin pass-through that pulls from the
 * real body only when the caller pulls (no read-ahead, no tee, no clone), so breakerbox
 * never changes when or how the caller's stream ends:
 * - each chunk restarts the body idle timer, and is handed to the cache collector (if the
 *   cache keeps this response), which stores the body only once the caller read it all;
 * - cancelling or leaving the stream (`reader.cancel()`, `break` out of `for await`)
 *   cancels the real body at once, which closes the connection; the copy is dropped;
 * - a body that breaks off or stalls past `bodyTimeout` fails the caller's read with the
 *   same error, and counts as a failure of the origin (`permit.bodyFailed`; no permit
 *   when the response was already counted as a failure).
 */
export function watchBody(
  response: Response,
  permit: AllowedPermit | undefined,
  attempt: AttemptSignal,
  collector: BodyCollector | undefined,
  failure: (error: unknown) => Outcome,
): Response {
  const body = watchStream(response.body!, permit, attempt, collector, failure);
  const watched = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  // A constructed Response has no url and is never redirected; keep what the real one said.
  Object.defineProperties(watched, {
    url: { value: response.url },
    redirected: { value: response.redirected },
    type: { value: response.type },
  });
  return watched;
}

/** The pass-through itself, for any body stream (fetch's, or axios' fetch adapter with `responseType: 'stream'`). */
export function watchStream(
  source: ReadableStream<Uint8Array>,
  permit: AllowedPermit | undefined,
  attempt: AttemptSignal,
  collector: BodyCollector | undefined,
  failure: (error: unknown) => Outcome,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let copy = collector;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          attempt.end();
          copy = undefined;
          permit?.bodyFailed(failure(error));
          throw error;
        }
        if (result.done) {
          attempt.end();
          copy?.done();
          controller.close();
          return;
        }
        attempt.chunk();
        if (copy !== undefined && !copy.push(result.value)) copy = undefined;
        controller.enqueue(result.value);
      },
      cancel(reason) {
        attempt.end();
        copy = undefined;
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
