import type { AttemptSignal } from '../../core/attempt-signal.js';
import type { AllowedPermit, BodyCollector, Outcome } from '../../core/types.js';
import { method, nativeMember, ResponseOverlay } from './response-overlay.js';

/**
 * The caller's response, watched where its body is consumed, so breakerbox never changes
 * when or how the caller's body ends (no read-ahead, no tee, no clone):
 * - a body that breaks off (or stalls past `bodyTimeout`) fails the caller's read with the
 *   same error, and counts as a failure of the origin (`permit.bodyFailed`; no permit
 *   when the response was already counted as a failure);
 * - the attempt ends (its timer and its listener on the caller's signal go) when the body
 *   has been read, cancelled or has failed;
 * - the cache collector, if the cache keeps this response, gets the bytes the caller read,
 *   and stores them only once the caller read it all.
 *
 * Without `bodyTimeout` the response itself is returned, its reading methods (`text`,
 * `json`, `arrayBuffer`, `bytes`, `blob`, `formData`) and its `body` watched in place
 * (through a prototype between it and its native one, so `instanceof` holds):
 * identity, `url`, `type` and `redirected` stay the real response's, and the common
 * `await response.json()` pays no extra stream. The `body` stream, read by streaming
 * callers, is a pull-through of the real one. With `bodyTimeout` every chunk must be seen,
 * so the body is always read through that stream, in a new `Response` (so is a response
 * that a layer of another box already watches).
 */
export function watchBody(
  response: Response,
  permit: AllowedPermit | undefined,
  attempt: AttemptSignal,
  collector: BodyCollector | undefined,
  failure: (error: unknown) => Outcome,
): Response {
  // A response another box already watches in place (layers of two boxes) is wrapped instead.
  if (!attempt.watchesChunks && !(WATCH in response)) {
    return watchInPlace(response, { permit, attempt, collector, failure, stream: undefined, native: Object.getPrototypeOf(response) as object });
  }
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

interface Watch {
  readonly permit: AllowedPermit | undefined;
  readonly attempt: AttemptSignal;
  readonly collector: BodyCollector | undefined;
  readonly failure: (error: unknown) => Outcome;
  stream: ReadableStream<Uint8Array> | undefined;
  /** The response's own prototype, before it was given the watched one: where the native members are. */
  readonly native: object;
}

const WATCH = Symbol('breakerbox.watch');
type Watched = Response & { [WATCH]: Watch };
const decoder = new TextDecoder();

/** The native member (a method, or the `body` getter), called on the response itself. */
function own<T>(response: Watched, name: string): T {
  return nativeMember<T>(response[WATCH].native, name, response);
}

/** How a read of the whole body ended: success ends the attempt (and may store), failure counts. */
function settle<T>(watch: Watch, read: Promise<T>, bytesOf: ((value: T) => Uint8Array) | undefined): Promise<T> {
  return read.then(
    (value) => {
      watch.attempt.end();
      const { collector } = watch;
      if (collector !== undefined && bytesOf !== undefined && collector.push(bytesOf(value))) collector.done();
      return value;
    },
    (error: unknown) => {
      watch.attempt.end();
      watch.permit?.bodyFailed(watch.failure(error));
      throw error;
    },
  );
}

/** Shared methods, not closures per response: each finds its watch on the response. */
const methods = {
  arrayBuffer(this: Watched): Promise<ArrayBuffer> {
    return settle(this[WATCH], own<() => Promise<ArrayBuffer>>(this, 'arrayBuffer').call(this), (buffer) => new Uint8Array(buffer));
  },
  bytes(this: Watched): Promise<Uint8Array> {
    return settle(this[WATCH], own<() => Promise<Uint8Array>>(this, 'bytes').call(this), (bytes) => bytes);
  },
  text(this: Watched): Promise<string> {
    const watch = this[WATCH];
    // Read as bytes only when the cache wants them; a plain text() otherwise.
    if (watch.collector === undefined) return settle(watch, own<() => Promise<string>>(this, 'text').call(this), undefined);
    return methods.arrayBuffer.call(this).then((buffer) => decoder.decode(buffer));
  },
  json(this: Watched): Promise<unknown> {
    // As bytes, then parsed here: a body that is not JSON is the caller's error, not a failure of the host.
    return methods.arrayBuffer.call(this).then((buffer) => JSON.parse(decoder.decode(buffer)) as unknown);
  },
  blob(this: Watched): Promise<Blob> {
    return settle(this[WATCH], own<() => Promise<Blob>>(this, 'blob').call(this), undefined);
  },
  formData(this: Watched): Promise<FormData> {
    const watch = this[WATCH];
    // A form that does not parse is not the host failing either: only the end of the attempt.
    return own<() => Promise<FormData>>(this, 'formData')
      .call(this)
      .finally(() => watch.attempt.end());
  },
};

/** The reads and `body` of a watched response, over its native prototype. */
const watched = new ResponseOverlay((native) => {
  const members: PropertyDescriptorMap = { body: { configurable: true, get: watchedBody } };
  for (const [name, read] of Object.entries(methods)) {
    // bytes() is newer than the rest: offered only where the runtime's Response has it.
    if (name !== 'bytes' || typeof Reflect.get(native, 'bytes') === 'function') members[name] = method(read);
  }
  return members;
});

function watchedBody(this: Watched): ReadableStream<Uint8Array> | null {
  const state = this[WATCH];
  if (state.stream === undefined) {
    const source = own<ReadableStream<Uint8Array> | null>(this, 'body');
    // Already consumed by one of the methods above: the real (locked) stream, as fetch gives.
    if (source === null || source.locked) return source;
    state.stream = watchStream(source, state.permit, state.attempt, state.collector, state.failure);
  }
  return state.stream;
}

function watchInPlace(response: Response, watch: Watch): Response {
  (response as Watched)[WATCH] = watch;
  watched.apply(response);
  return response;
}

/** The pass-through itself, for any body stream (fetch's, or axios' fetch adapter with `responseType: 'stream'`). */
export function watchStream(
  source: ReadableStream<Uint8Array>,
  permit: AllowedPermit | undefined,
  attempt: AttemptSignal,
  collector: BodyCollector | undefined,
  failure: (error: unknown) => Outcome,
  // What the caller's read rejects with when our body timer cut it (a client's own timeout error), if not the source's error.
  timedOutError?: (cause: unknown) => unknown,
): ReadableStream<Uint8Array> {
  // Taken at the first pull, not now: a caller (axios' fetch adapter) that only checks
  // `response.body` exists and then calls text() must find the real body unlocked.
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let copy = collector;
  // Pulled only when the caller reads: the body timer runs while a read waits on the host.
  attempt.timeReads();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          reader ??= source.getReader();
          attempt.reading();
          result = await reader.read();
        } catch (error) {
          attempt.end();
          copy = undefined;
          permit?.bodyFailed(failure(error));
          throw timedOutError !== undefined && attempt.timedOut === 'body' ? timedOutError(error) : error;
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
        return reader === undefined ? source.cancel(reason) : reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
