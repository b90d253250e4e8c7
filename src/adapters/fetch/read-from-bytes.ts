/**
 * A fallback `Response` answers `arrayBuffer()`, `bytes()`, `text()` and `json()` from the
 * bytes it was built from, instead of through its body stream. The Response keeps its real
 * body (runtimes that serve it, `response.body`, `clone()` and `blob()` see a native
 * stream); only these common reads skip the stream, which in Node costs more than the
 * whole refusal (about 28 µs of 40 here, and most of a refusal's garbage: issue 15).
 *
 * The rules of a body hold as for any Response:
 * - a body is read once: a second read rejects with a `TypeError`, and `bodyUsed` is true;
 * - once the caller takes `response.body`, calls `clone()`, `blob()` or `formData()`, every
 *   read goes through the native stream (the bytes are dropped), so streaming and tee'd
 *   copies behave natively;
 * - `response.body` after a read is the native stream, cancelled (so disturbed), as a
 *   consumed body would be;
 * - a read through the native prototype (`Response.prototype.text.call(response)`) reads
 *   the native stream, and every read after it is native too.
 */

import { method, nativeMember, ResponseOverlay } from './response-overlay.js';

interface Bytes {
  /** The body, until a read or the native stream took it. Shared: copied before it is handed out. */
  bytes: Uint8Array | undefined;
  /** A read from the bytes consumed the body. */
  used: boolean;
  /** The response's prototype before the overlay went over it: where the native members are. */
  readonly native: object;
}

const STATE = Symbol('breakerbox.bytes');
type FastResponse = Response & { [STATE]: Bytes };
const decoder = new TextDecoder();

/** The native member (a method, or a getter), called on the response itself. */
function native<T>(response: FastResponse, name: string): T {
  return nativeMember<T>(response[STATE].native, name, response);
}

/** The bytes to read from, or undefined when the native body decides (streamed, cloned, or already read). */
function take(response: FastResponse): Uint8Array | undefined {
  const state = response[STATE];
  const { bytes } = state;
  if (bytes === undefined) return undefined;
  state.bytes = undefined;
  // Read through the native prototype behind our back (Response.prototype.text.call(r)):
  // the native body decides from now on, and rejects a second read.
  if (native<boolean>(response, 'bodyUsed')) return undefined;
  state.used = true;
  return bytes;
}

function unusable(): Promise<never> {
  return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
}

/** Read from the bytes, or natively; a read after ours rejects as a consumed body does. */
function read<T>(response: FastResponse, name: string, convert: (bytes: Uint8Array) => T): Promise<T> {
  if (response[STATE].used) return unusable();
  const bytes = take(response);
  if (bytes === undefined) return native<() => Promise<T>>(response, name).call(response);
  try {
    return Promise.resolve(convert(bytes));
  } catch (error) {
    // JSON that does not parse rejects, as the native json() does.
    return Promise.reject(error);
  }
}

/** A read left to the native body: from now on every read is native. */
function readNatively<T>(response: FastResponse, name: string): Promise<T> {
  if (response[STATE].used) return unusable();
  response[STATE].bytes = undefined;
  return native<() => Promise<T>>(response, name).call(response);
}

/** Shared methods, not closures per response: each finds its state on the response. */
const methods = {
  arrayBuffer(this: FastResponse): Promise<ArrayBuffer> {
    return read(this, 'arrayBuffer', (bytes) => bytes.slice().buffer);
  },
  bytes(this: FastResponse): Promise<Uint8Array> {
    return read(this, 'bytes', (bytes) => bytes.slice());
  },
  text(this: FastResponse): Promise<string> {
    // TextDecoder's defaults are the Fetch spec's "UTF-8 decode": a leading BOM is dropped, bad bytes become U+FFFD.
    return read(this, 'text', (bytes) => decoder.decode(bytes));
  },
  json(this: FastResponse): Promise<unknown> {
    return read(this, 'json', (bytes) => JSON.parse(decoder.decode(bytes)) as unknown);
  },
  blob(this: FastResponse): Promise<Blob> {
    // Its type comes from Content-Type by the spec's MIME rules: left to the native blob().
    return readNatively(this, 'blob');
  },
  formData(this: FastResponse): Promise<FormData> {
    return readNatively(this, 'formData');
  },
  clone(this: FastResponse): Response {
    if (this[STATE].used) throw new TypeError('Response.clone: Body has already been consumed.');
    // A tee of the native stream, read natively by both copies from now on.
    this[STATE].bytes = undefined;
    return native<() => Response>(this, 'clone').call(this);
  },
};

const accessors: PropertyDescriptorMap = {
  body: {
    configurable: true,
    get(this: FastResponse): ReadableStream<Uint8Array> | null {
      const state = this[STATE];
      const stream = native<ReadableStream<Uint8Array> | null>(this, 'body');
      // Read from the bytes already: the native stream is cancelled once, so it reads as consumed.
      if (state.used && stream !== null && !stream.locked && !native<boolean>(this, 'bodyUsed')) void stream.cancel().catch(() => {});
      state.bytes = undefined;
      return stream;
    },
  },
  bodyUsed: {
    configurable: true,
    get(this: FastResponse): boolean {
      return this[STATE].used || native<boolean>(this, 'bodyUsed');
    },
  },
};

/** The reads, `clone()`, `body` and `bodyUsed` of a fallback response, over its native prototype. */
const fromBytes = new ResponseOverlay((nativePrototype) => {
  const members: PropertyDescriptorMap = { ...accessors };
  for (const [name, member] of Object.entries(methods)) {
    // bytes() is newer than the rest: offered only where the runtime's Response has it.
    if (name !== 'bytes' || typeof Reflect.get(nativePrototype, 'bytes') === 'function') members[name] = method(member);
  }
  return members;
});

/**
 * Makes `response` (built from `bytes`, with a body) answer its common reads from `bytes`.
 * @param response - A Response just built from `bytes`, not handed out yet.
 * @param bytes - Its body; shared, never changed here (every read gets a copy or a decoded string).
 */
export function readFromBytes(response: Response, bytes: Uint8Array): Response {
  (response as FastResponse)[STATE] = { bytes, used: false, native: Object.getPrototypeOf(response) as object };
  fromBytes.apply(response);
  return response;
}
