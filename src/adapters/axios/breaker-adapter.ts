import axios from 'axios';
import type { AxiosAdapter, AxiosError, AxiosResponse, GenericAbortSignal, InternalAxiosRequestConfig } from 'axios';
import { AttemptSignal } from '../../core/attempt-signal.js';
import type { AllowedPermit, AttemptReport, BreakerBox } from '../../core/types.js';
import { watchStream } from '../fetch/watch-body.js';
import { watchClientFaults } from './client-faults.js';
import { classifyAxiosError } from './classify-axios-error.js';
import { type AdapterKind, fallbackResponse } from './fallback-response.js';
import { markedEnv } from './marked-fetch.js';
import { requestTarget } from './request-target.js';

/** What `config.adapter` may hold: a name, an adapter, or a list of them. */
export type AdapterSpec = NonNullable<InternalAxiosRequestConfig['adapter']>;

/** One `attachToAxios()` call; ejecting it turns its wrappers into plain pass-throughs. */
export interface Attachment {
  readonly box: BreakerBox;
  active: boolean;
}

const WRAPPED = Symbol.for('breakerbox.axios.adapter');

interface WrappedInfo {
  readonly box: BreakerBox;
  readonly spec: AdapterSpec | undefined;
}

/**
 * What to wrap: the config's adapter, or the one a wrapper of the same box holds. A
 * config that went through us before comes back with our wrapper in it (axios-retry
 * re-sends `error.config`); wrapping it again would admit each request twice.
 */
export function unwrapAdapter(spec: AdapterSpec | undefined, box: BreakerBox): AdapterSpec | undefined {
  const info = typeof spec === 'function' ? (spec as { [WRAPPED]?: WrappedInfo })[WRAPPED] : undefined;
  return info !== undefined && info.box === box ? info.spec : spec;
}

/**
 * An adapter that runs the one axios would have picked (`spec`) through the box. It is
 * set per request and does its work at dispatch time, after every request interceptor,
 * so it sees the final URL whatever order the interceptors were registered in.
 */
export function createBreakerAdapter(attachment: Attachment, spec: AdapterSpec | undefined): AxiosAdapter {
  const adapter: AxiosAdapter = (config) =>
    attachment.active ? guarded(attachment.box, spec, config) : axios.getAdapter(spec, config)(config);
  Object.defineProperty(adapter, WRAPPED, { value: { box: attachment.box, spec } satisfies WrappedInfo });
  return adapter;
}

async function guarded(box: BreakerBox, spec: AdapterSpec | undefined, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
  const target = requestTarget(config);
  if (target === undefined) return axios.getAdapter(spec, config)(config);
  // Resolved now, so an unknown adapter fails before any breaker is touched, as axios would.
  const chosen = axios.getAdapter(spec, config);
  const kind: AdapterKind = (chosen as { adapterName?: unknown }).adapterName === 'http' ? 'http' : 'web';

  const callerSignal = config.signal as AbortSignal | undefined;
  const data = config.data as { pipe?: unknown; getReader?: unknown } | null | undefined;
  // A stream is read once: it cannot be sent again.
  const replayable = typeof data !== 'object' || data === null || (typeof data.pipe !== 'function' && typeof data.getReader !== 'function');
  // Built for the first attempt only: a refused request (the whole open path) copies nothing.
  let prepared: Prepared | undefined;
  const send = (permit: AllowedPermit): Promise<AttemptReport<AxiosResponse>> => {
    prepared ??= prepareAttempts(box, spec, config, kind === 'http' ? chosen : undefined);
    return sendAttempt(permit, prepared, config, kind);
  };
  return box.execute(target.url, { method: config.method, headers: target.headers, signal: combinable(callerSignal) ? callerSignal : undefined, replayable }, { send, answer: (fallback) => fallbackResponse(fallback, config, kind) });
}

/** What every attempt of one request shares: the adapter that sends it, and the env its config gets. */
interface Prepared {
  readonly inner: AxiosAdapter;
  readonly env: InternalAxiosRequestConfig['env'] | undefined;
}

/**
 * The adapter that sends the attempts, and their env. Each attempt runs on its own copy of
 * the config, so the caller's config (and axios-retry's) keeps its own env, signal and
 * hooks; the env's fetch marks the request as admitted, for a `patchGlobalFetch` of the
 * same box below. The http adapter does not use the env: the one already chosen is kept.
 */
function prepareAttempts(box: BreakerBox, spec: AdapterSpec | undefined, config: InternalAxiosRequestConfig, http: AxiosAdapter | undefined): Prepared {
  const env = markedEnv(box, config.env);
  if (http !== undefined) return { inner: http, env };
  // The caller's config as the attempts will see it: axios' fetch adapter is made for its env.
  const seen = Object.create(config) as InternalAxiosRequestConfig;
  if (env !== undefined) seen.env = env;
  return { inner: axios.getAdapter(spec, seen), env };
}

/**
 * `{ ...config }`, copied key by key: axios' merged config is a null-prototype object in
 * dictionary mode, which V8 spreads about 5x slower (about 16 µs here). One copy per
 * attempt, made from the caller's config (a copy of a copy cost ~1 µs more).
 */
function copyConfig(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
  const copy: Record<PropertyKey, unknown> = {};
  const source = config as unknown as Record<PropertyKey, unknown>;
  for (const key of Object.keys(source)) copy[key] = source[key];
  for (const key of Object.getOwnPropertySymbols(source)) {
    if (Object.prototype.propertyIsEnumerable.call(source, key)) copy[key] = source[key];
  }
  return copy as unknown as InternalAxiosRequestConfig;
}

/** One attempt through the inner adapter, on a fresh copy of the caller's config (a retry must not see the last one's signal). */
async function sendAttempt(permit: AllowedPermit, { inner, env }: Prepared, config: InternalAxiosRequestConfig, kind: AdapterKind): Promise<AttemptReport<AxiosResponse>> {
  const attempt = copyConfig(config);
  if (env !== undefined) attempt.env = env;
  const callerSignal = config.signal as AbortSignal | undefined;
  const bodyTimeout = bodyTimeoutFor(kind, permit.bodyTimeout);
  const signal = new AttemptSignal(combinable(callerSignal) ? callerSignal : undefined, permit.timeout, bodyTimeout);
  if (signal.signal !== callerSignal && signal.signal !== undefined) {
    attempt.signal = signal.signal as GenericAbortSignal;
    // axios reports body progress only to this hook: it is how the headers timer learns the body started.
    attempt.onDownloadProgress = progressWatcher(signal, config.onDownloadProgress);
  }
  const faults = watchClientFaults(attempt);

  let response: AxiosResponse;
  try {
    response = await inner(attempt);
  } catch (error) {
    signal.end();
    restoreConfig(error, attempt, config);
    if (faults.caused(error)) {
      // The caller's own option, limit, hook or body failed: not the host's fault.
      permit.release();
      return { error };
    }
    const timedOut = signal.timedOut !== undefined && !callerSignal?.aborted;
    permit.record(timedOut ? { kind: 'timeout' } : classifyAxiosError(error, config));
    return { error: timedOut ? timeoutError(config, kind, signal.timedOut!, permit.timeout, bodyTimeout, error) : error };
  }
  response.config = config;
  signal.headersArrived();
  const headers = response.headers as Record<string, string>;
  const verdict = permit.record({ kind: 'response', status: response.status, headers });
  if (verdict === 'failure') {
    signal.end();
    return { response, headers, discard: () => destroyStream(response.data) };
  }
  if (!watchStreamData(response, verdict === 'success' ? permit : undefined, signal, callerSignal, config, kind, bodyTimeout)) {
    signal.end();
    const data = response.data;
    // A function: the body is copied (by the cache) only when the cache will keep it.
    if (verdict === 'success' && isStorable(data)) permit.storeResponse({ status: response.status, statusText: response.statusText, headers, body: () => data });
  }
  return { response, headers };
}

/** Let go of a failed streamed response that will not be returned. */
function destroyStream(data: unknown): void {
  const stream = data as { destroy?: () => void; cancel?: () => Promise<void> } | null;
  if (typeof stream?.destroy === 'function') stream.destroy();
  else if (typeof stream?.cancel === 'function') void stream.cancel().catch(() => {});
}

/** Whether the caller's signal is a real `AbortSignal` we can follow (axios also takes look-alikes). */
function combinable(signal: unknown): signal is AbortSignal {
  return typeof signal === 'object' && signal !== null && typeof (signal as AbortSignal).addEventListener === 'function' && typeof (signal as AbortSignal).removeEventListener === 'function';
}

/**
 * axios' http adapter reports download progress at most 3 times a second (its throttle),
 * so a flowing body can go this long without a sign of life: its body timer is never shorter.
 */
const AXIOS_HTTP_PROGRESS_GAP = 500;

/** The body idle timeout an attempt runs with: the box's, but no finer than the adapter can see. */
function bodyTimeoutFor(kind: AdapterKind, bodyTimeout: number | undefined): number | undefined {
  return kind === 'http' && bodyTimeout !== undefined ? Math.max(bodyTimeout, AXIOS_HTTP_PROGRESS_GAP) : bodyTimeout;
}

/** The first progress event says the body started; each later one is a sign of life for the idle timer. */
function progressWatcher(signal: AttemptSignal, own: InternalAxiosRequestConfig['onDownloadProgress']): NonNullable<InternalAxiosRequestConfig['onDownloadProgress']> {
  let started = false;
  return (event) => {
    if (started) signal.chunk();
    else {
      started = true;
      signal.headersArrived();
    }
    own?.(event);
  };
}

/**
 * `responseType: 'stream'`: the adapter resolves at the headers and the caller reads the
 * body later, so the attempt ends with the stream, and a stream that breaks counts as a
 * failure of the origin. Returns whether the data was a stream.
 */
function watchStreamData(
  response: AxiosResponse,
  permit: AllowedPermit | undefined,
  signal: AttemptSignal,
  callerSignal: AbortSignal | undefined,
  config: InternalAxiosRequestConfig,
  kind: AdapterKind,
  bodyTimeout: number | undefined,
): boolean {
  const data = response.data as { once?: unknown; getReader?: unknown } | null;
  if (typeof data !== 'object' || data === null || (typeof data.once !== 'function' && typeof data.getReader !== 'function')) return false;
  // Made only for a stream: most responses are not one.
  const bodyTimedOut = (cause: unknown): AxiosError => timeoutError(config, kind, 'body', undefined, bodyTimeout, cause);
  if (typeof data.once === 'function') {
    // A Node Readable (the http adapter), reached without importing node:stream. Its error is
    // read from `errored` at 'close': an 'error' listener of ours would hide an error the
    // caller does not handle, which Node would otherwise throw.
    const stream = data as { once(event: string, listener: () => void): void; destroy?(error: unknown): void; errored?: unknown; req?: { aborted?: unknown }; readableLength?: number };
    // Data waiting in the stream for the caller: the caller is behind, and the host only held back.
    signal.timePushes(() => (stream.readableLength ?? 0) > 0);
    // A stalled body fails the caller's read with axios' own timeout error, before the abort would make it a cancel.
    signal.beforeAbort((phase) => {
      if (phase === 'body') stream.destroy?.(bodyTimedOut(undefined));
    });
    stream.once('end', () => signal.end());
    stream.once('close', () => {
      const timedOut = signal.timedOut === 'body';
      signal.end();
      const error = stream.errored as { code?: unknown; name?: unknown } | null | undefined;
      // A caller leaving a `for await` destroys the stream with an AbortError, or, for the
      // response itself, aborts its request, which Node then reports as 'aborted'
      // (ECONNRESET); a caller aborting its signal gets axios' CanceledError: the caller
      // leaving, not the host failing. (`destroy()` by the caller leaves no error at all.)
      // Our own body timer's abort still counts.
      const callerLeft = !timedOut && (error?.name === 'AbortError' || stream.req?.aborted === true || callerSignal?.aborted === true);
      if (error && !callerLeft) permit?.bodyFailed(timedOut ? { kind: 'timeout' } : { kind: 'network', code: typeof error.code === 'string' ? error.code : undefined });
    });
    return true;
  }
  // A web stream (the fetch adapter): cached as the caller reads it, like createFetch's bodies.
  const collector = permit?.cacheCollector({ status: response.status, statusText: response.statusText, headers: response.headers as Record<string, string> });
  response.data = watchStream(
    data as unknown as ReadableStream<Uint8Array>,
    permit,
    signal,
    collector,
    () => (signal.timedOut === 'body' ? { kind: 'timeout' } : callerSignal?.aborted === true ? { kind: 'aborted' } : { kind: 'network' }),
    bodyTimedOut,
  );
  return true;
}

/** Text or bytes are worth caching. Streams, blobs and form data are not. */
function isStorable(data: unknown): data is string | Uint8Array | ArrayBuffer {
  return typeof data === 'string' || data instanceof Uint8Array || data instanceof ArrayBuffer;
}

/**
 * Our timeout aborts through the signal, so axios reports a cancel; the caller gets what
 * axios' own timeout gives instead (`ECONNABORTED` from the http adapter, `ETIMEDOUT` from
 * the fetch adapter or with `clarifyTimeoutError`), which axios-retry and users test for.
 */
function timeoutError(config: InternalAxiosRequestConfig, kind: AdapterKind, phase: 'headers' | 'body', timeout: number | undefined, bodyTimeout: number | undefined, cause: unknown): AxiosError {
  const message = phase === 'headers' ? `timeout of ${timeout}ms exceeded` : `body stalled for more than ${bodyTimeout}ms`;
  const code = kind === 'http' && config.transitional?.clarifyTimeoutError !== true ? axios.AxiosError.ECONNABORTED : axios.AxiosError.ETIMEDOUT;
  const error = new axios.AxiosError(message, code, config);
  (error as { cause?: unknown }).cause = cause;
  return error;
}

/** Errors and responses point at the caller's config, not at our copy. */
function restoreConfig(error: unknown, attempt: InternalAxiosRequestConfig, config: InternalAxiosRequestConfig): void {
  if (typeof error !== 'object' || error === null) return;
  const carrier = error as { config?: unknown; response?: { config?: unknown } };
  if (carrier.config === attempt) carrier.config = config;
  if (carrier.response?.config === attempt) carrier.response.config = config;
}
