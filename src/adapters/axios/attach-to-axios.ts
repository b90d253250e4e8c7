import type { AxiosAdapter, AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import type { BreakerBox } from '../../core/types.js';
import { type AdapterSpec, type Attachment, createBreakerAdapter, unwrapAdapter } from './breaker-adapter.js';

/** The live attachments, so attaching the same box to an instance twice is harmless. */
const attachments = new WeakMap<object, Map<BreakerBox, () => void>>();

/**
 * Send every request of an axios instance through the box: one breaker per origin of
 * the final URL (`baseURL` + `url` + `params`), the box's per-attempt `timeout`, and
 * fallbacks when an origin's breaker is open. Works with axios' `http` adapter (the
 * default in Node) and its `fetch` adapter. Returns `eject()`, which removes every trace.
 *
 * - A fallback resolves as a normal axios response: its data goes through the
 *   instance's `transformResponse` (JSON is parsed) and it carries the header
 *   `x-breakerbox-fallback`. Like a live response, one whose status `validateStatus`
 *   refuses (a value fallback with status 503, by default) rejects with an `AxiosError`
 *   whose `response` is the fallback.
 * - Without a fallback, an open breaker rejects with `CircuitOpenError` and sends nothing.
 * - Attaching the same box to the same instance again returns the first `eject()`.
 * - An interceptor that replaces `config.adapter` after breakerbox's (one registered
 *   earlier, since axios runs request interceptors last-registered-first) takes that
 *   request around the breaker.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { createBreakerBox } from 'breakerbox';
 * import { attachToAxios } from 'breakerbox/axios';
 *
 * const api = axios.create({ baseURL: 'https://api.example.com' });
 * const eject = attachToAxios(createBreakerBox({ fallback: { cache: true } }), api);
 * const { data } = await api.get('/users');
 * eject();
 * ```
 */
export function attachToAxios(box: BreakerBox, instance: AxiosInstance): () => void {
  assertBox(box);
  assertInstance(instance);
  let byBox = attachments.get(instance);
  const existing = byBox?.get(box);
  if (existing !== undefined) return existing;

  const attachment: Attachment = { box, active: true };
  // Requests mostly name the same adapter (the instance's default): its wrapper is made once.
  let last: { spec: AdapterSpec | undefined; adapter: AxiosAdapter } | undefined;
  const id = instance.interceptors.request.use(
    (config: InternalAxiosRequestConfig) => {
      const spec = unwrapAdapter(config.adapter ?? instance.defaults.adapter, box);
      if (last === undefined || last.spec !== spec) last = { spec, adapter: createBreakerAdapter(attachment, spec) };
      config.adapter = last.adapter;
      return config;
    },
    undefined,
    { synchronous: true },
  );
  const eject = (): void => {
    if (!attachment.active) return;
    attachment.active = false;
    instance.interceptors.request.eject(id);
    const current = attachments.get(instance);
    current?.delete(box);
    if (current?.size === 0) attachments.delete(instance);
  };
  if (byBox === undefined) attachments.set(instance, (byBox = new Map()));
  byBox.set(box, eject);
  return eject;
}

function assertBox(box: unknown): asserts box is BreakerBox {
  if (typeof box !== 'object' || box === null || typeof (box as BreakerBox).admit !== 'function') {
    throw new TypeError(`attachToAxios expects a box from createBreakerBox() as its first argument, got ${describe(box)}`);
  }
}

function assertInstance(instance: unknown): asserts instance is AxiosInstance {
  const candidate = instance as Partial<AxiosInstance> | null | undefined;
  const usable =
    (typeof instance === 'function' || (typeof instance === 'object' && instance !== null)) &&
    typeof candidate?.interceptors?.request?.use === 'function' &&
    typeof candidate.interceptors.request.eject === 'function' &&
    typeof candidate.defaults === 'object';
  if (!usable) {
    throw new TypeError(`attachToAxios expects an axios instance (axios or axios.create()) with interceptors as its second argument, got ${describe(instance)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' || typeof value === 'function' ? `${typeof value} without the expected methods` : `${typeof value} ${String(value)}`;
}
