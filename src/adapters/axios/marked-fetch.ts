import type { InternalAxiosRequestConfig } from 'axios';
import type { BreakerBox } from '../../core/types.js';
import { ADMITTED } from '../../utils/admitted-marker.js';
import type { FetchFunction } from '../fetch/create-fetch.js';

type AxiosEnv = NonNullable<InternalAxiosRequestConfig['env']>;

/** One marked fetch per box and per fetch it calls: axios caches its fetch adapter by fetch identity. */
const forGlobal = new WeakMap<BreakerBox, FetchFunction>();
const forOwn = new WeakMap<BreakerBox, WeakMap<FetchFunction, FetchFunction>>();

/**
 * The `env` to run an admitted request with: its `fetch` adds the {@link ADMITTED} marker,
 * so a `patchGlobalFetch` of the same box under axios' fetch adapter passes the request
 * through instead of admitting and recording it a second time (research §1.6). It calls
 * the caller's own `env.fetch`, or the global fetch read at each call, as axios would.
 *
 * @note The wrappers must be stable: axios keys a module-level cache of fetch adapters
 * by the `env.fetch` function, so a fresh one per request would grow it forever.
 * @see https://github.com/axios/axios/blob/v1.x/lib/adapters/fetch.js (getFetch)
 */
export function markedEnv(box: BreakerBox, env: InternalAxiosRequestConfig['env']): AxiosEnv | undefined {
  const own = env?.fetch as FetchFunction | undefined;
  if (typeof own !== 'function' && typeof globalThis.fetch !== 'function') return env;
  return { ...env, fetch: typeof own === 'function' ? markedOwn(box, own) : markedGlobal(box) };
}

function markedGlobal(box: BreakerBox): FetchFunction {
  let marked = forGlobal.get(box);
  if (marked === undefined) {
    marked = (input, init) => globalThis.fetch(input, mark(box, init));
    forGlobal.set(box, marked);
  }
  return marked;
}

function markedOwn(box: BreakerBox, own: FetchFunction): FetchFunction {
  let byFetch = forOwn.get(box);
  if (byFetch === undefined) forOwn.set(box, (byFetch = new WeakMap()));
  let marked = byFetch.get(own);
  if (marked === undefined) {
    marked = (input, init) => own(input, mark(box, init));
    byFetch.set(own, marked);
  }
  return marked;
}

function mark(box: BreakerBox, init: RequestInit | undefined): RequestInit {
  return { ...init, [ADMITTED]: box } as RequestInit;
}
