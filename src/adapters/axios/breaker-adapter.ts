import axios from 'axios';
import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { AllowedPermit, BreakerBox } from '../../core/types.js';
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
  // The attempt runs on a copy, so the caller's config (and axios-retry's) keeps its own env and timeout.
  const attempt: InternalAxiosRequestConfig = { ...config };
  const env = markedEnv(box, config.env);
  if (env !== undefined) attempt.env = env;
  const inner = axios.getAdapter(spec, attempt);
  const kind: AdapterKind = (inner as { adapterName?: unknown }).adapterName === 'http' ? 'http' : 'web';

  const permit = box.admit(target.url, { method: config.method, headers: target.headers });
  if (!permit.allowed) {
    const fallback = await permit.fallback();
    if (fallback !== undefined) return fallbackResponse(fallback, config, kind);
    throw permit.error;
  }
  const timeout = attemptTimeout(config.timeout, permit.timeout);
  if (timeout !== undefined) attempt.timeout = timeout;

  let response: AxiosResponse;
  try {
    response = await inner(attempt);
  } catch (error) {
    restoreConfig(error, attempt, config);
    const outcome = classifyAxiosError(error, config);
    const fallback = permit.record(outcome) === 'failure' ? await permit.fallback() : undefined;
    if (fallback !== undefined) return fallbackResponse(fallback, config, kind);
    throw error;
  }
  response.config = config;
  return settled(permit, response, config, kind);
}

/** A response axios' `validateStatus` let through (a 503 included, if it accepts one) is judged by its status too. */
async function settled(permit: AllowedPermit, response: AxiosResponse, config: InternalAxiosRequestConfig, kind: AdapterKind): Promise<AxiosResponse> {
  const verdict = permit.record({ kind: 'response', status: response.status, headers: response.headers as Record<string, string> });
  if (verdict === 'failure') {
    const fallback = await permit.fallback();
    if (fallback !== undefined) return fallbackResponse(fallback, config, kind);
  } else if (verdict === 'success') {
    const body = storableBody(response.data);
    if (body !== undefined) permit.storeResponse({ status: response.status, statusText: response.statusText, headers: response.headers as Record<string, string>, body });
  }
  return response;
}

/**
 * Breakerbox's per-attempt timeout rides on axios' own `timeout` (the smaller wins), so it
 * fails with axios' usual `ECONNABORTED`/`ETIMEDOUT` error and counts as a timeout.
 */
function attemptTimeout(own: unknown, ours: number | undefined): number | undefined {
  if (ours === undefined) return undefined;
  const current = Number(own);
  return current > 0 && current <= ours ? undefined : ours;
}

/** Raw adapter data worth caching: text or bytes (copied: the caller owns the original). Streams and blobs are not. */
function storableBody(data: unknown): string | Uint8Array | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return new Uint8Array(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return undefined;
}

/** Errors and responses point at the caller's config, not at our copy. */
function restoreConfig(error: unknown, attempt: InternalAxiosRequestConfig, config: InternalAxiosRequestConfig): void {
  if (typeof error !== 'object' || error === null) return;
  const carrier = error as { config?: unknown; response?: { config?: unknown } };
  if (carrier.config === attempt) carrier.config = config;
  if (carrier.response?.config === attempt) carrier.response.config = config;
}
