import axios, { type AxiosInstance } from 'axios';
import ky from 'ky';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { findBreakerBoxError, isBulkheadFullError, isCircuitOpenError, type BreakerBox } from '../../src/index.js';

/** How one request ended, the same shape for every client, so scenarios compare like with like. */
export type Result =
  | { kind: 'response'; status: number; body: string; fallback: string | null }
  | { kind: 'open' }
  | { kind: 'bulkhead' }
  | { kind: 'error'; name: string };

export interface RequestOptions {
  signal?: AbortSignal;
  /** @default 'GET' (a POST sends a small JSON body) */
  method?: 'GET' | 'POST';
  /** Request headers; the object is the client's own and may be changed after the call returns. */
  headers?: Record<string, string>;
}

/** How a streamed read ended: the chunks read, and the error if the body failed. */
export interface StreamResult {
  chunks: string[];
  error?: string;
}

/**
 * How to read a streamed body: all of it, or `take` chunks and then let go by cancelling,
 * by leaving the loop, or by aborting the request's signal (then reading on until the body
 * ends or fails, as a caller's loop would): with no reason (`abort`), or with a
 * `TimeoutError`, as the caller's own `AbortSignal.timeout()` capping a stream does (`deadline`).
 */
export interface StreamOptions {
  take?: number;
  leave?: 'cancel' | 'break' | 'abort' | 'deadline';
  /** After this many chunks, the caller takes `pauseMs` before it reads on (a slow downstream write). */
  pauseAfter?: number;
  pauseMs?: number;
}

/** The caller's own pause after a chunk, if the options ask for one there. */
function callerPause({ pauseAfter, pauseMs = 0 }: StreamOptions, chunks: number): Promise<void> | undefined {
  return chunks === pauseAfter ? new Promise((resolve) => setTimeout(resolve, pauseMs)) : undefined;
}

/** The signal a `leave: 'abort'` read sends its request with, and how it aborts it. */
function leaving({ leave }: StreamOptions): { signal?: AbortSignal; abort: () => void } {
  if (leave !== 'abort' && leave !== 'deadline') return { abort: () => {} };
  const controller = new AbortController();
  return { signal: controller.signal, abort: () => controller.abort(leave === 'deadline' ? new DOMException('the caller’s deadline', 'TimeoutError') : undefined) };
}

/** One HTTP client wired to a box by its adapter. */
export interface Client {
  /**
   * Whether a body read as a stream is cached: not for axios' http adapter, whose Node
   * stream breakerbox watches (for its end and errors) but does not copy, since reading
   * it alongside the caller would change when the caller's data flows.
   */
  readonly cachesStreams: boolean;
  get(url: string, options?: RequestOptions): Promise<Result>;
  /** Read a response body as a stream (axios: `responseType: 'stream'`); `open` when refused. */
  stream(url: string, options?: StreamOptions): Promise<StreamResult | { kind: 'open' }>;
  dispose(): void;
}

export interface ClientDriver {
  name: string;
  create(box: BreakerBox): Promise<Client>;
}

/** Errors in one vocabulary: `TimeoutError`, `AbortError` or `NetworkError` (fetch says TypeError, axios and ky their own). */
function failed(error: unknown): Result {
  // Found inside the wrappers clients put around it, as users would.
  const own = findBreakerBoxError(error);
  if (isCircuitOpenError(own)) return { kind: 'open' };
  if (isBulkheadFullError(own)) return { kind: 'bulkhead' };
  // axios' own vocabulary, as its users test for it.
  if (axios.isCancel(error)) return { kind: 'error', name: 'AbortError' };
  if (axios.isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')) return { kind: 'error', name: 'TimeoutError' };
  const name = (error as Error | undefined)?.name;
  return { kind: 'error', name: name === 'TimeoutError' || name === 'AbortError' ? name : 'NetworkError' };
}

function init(options: RequestOptions): RequestInit {
  const request: RequestInit = {};
  if (options.signal) request.signal = options.signal;
  if (options.headers) request.headers = options.headers;
  if (options.method === 'POST') {
    request.method = 'POST';
    request.body = '{"order":1}';
  }
  return request;
}

const decoder = new TextDecoder();

/** Read a web body stream the way a caller would: to the end, or `take` chunks and then cancel or break. */
async function readWebStream(body: ReadableStream<Uint8Array>, options: StreamOptions, abort: () => void): Promise<StreamResult> {
  const { take = Infinity, leave = 'cancel' } = options;
  const chunks: string[] = [];
  try {
    if (leave === 'abort' || leave === 'deadline') {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { chunks };
        chunks.push(decoder.decode(value));
        if (chunks.length === take) abort();
      }
    }
    if (leave === 'break') {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        chunks.push(decoder.decode(chunk));
        if (chunks.length >= take) break;
      }
      return { chunks };
    }
    const reader = body.getReader();
    while (chunks.length < take) {
      const { done, value } = await reader.read();
      if (done) return { chunks };
      chunks.push(decoder.decode(value));
      await callerPause(options, chunks.length);
    }
    await reader.cancel();
    return { chunks };
  } catch (error) {
    return { chunks, error: (failed(error) as { name?: string }).name ?? 'open' };
  }
}

/**
 * Read a Node Readable (axios' http adapter with `responseType: 'stream'`) likewise: a Node
 * caller lets go by `destroy()` (`cancel`), or by leaving the `for await` (`break`), which
 * destroys it too.
 */
async function readNodeStream(stream: AsyncIterable<Uint8Array> & { destroy(): void }, options: StreamOptions, abort: () => void): Promise<StreamResult> {
  const { take = Infinity, leave = 'cancel' } = options;
  const chunks: string[] = [];
  try {
    for await (const chunk of stream) {
      chunks.push(decoder.decode(chunk));
      await callerPause(options, chunks.length);
      if (leave === 'abort' || leave === 'deadline') {
        if (chunks.length === take) abort();
      } else if (chunks.length >= take) {
        if (leave === 'cancel') stream.destroy();
        break;
      }
    }
    return { chunks };
  } catch (error) {
    return { chunks, error: (failed(error) as { name?: string }).name ?? 'open' };
  }
}

const fetchDriver: ClientDriver = {
  name: 'fetch',
  async create(box) {
    const fetch = createFetch(box);
    return {
      cachesStreams: true,
      async get(url, options = {}) {
        try {
          const response = await fetch(url, init(options));
          return { kind: 'response', status: response.status, body: await response.text(), fallback: response.headers.get('x-breakerbox-fallback') };
        } catch (error) {
          return failed(error);
        }
      },
      async stream(url, options = {}) {
        const { signal, abort } = leaving(options);
        let response: Response;
        try {
          response = await fetch(url, signal ? { signal } : undefined);
        } catch (error) {
          return isCircuitOpenError(error) ? { kind: 'open' } : { chunks: [], error: (failed(error) as { name: string }).name };
        }
        return readWebStream(response.body!, options, abort);
      },
      dispose() {},
    };
  },
};

function axiosDriver(adapter: 'http' | 'fetch'): ClientDriver {
  return {
    name: `axios (${adapter})`,
    async create(box) {
      const { attachToAxios } = (await import('../../src/adapters/axios/index.js')) as { attachToAxios(box: BreakerBox, instance: AxiosInstance): () => void };
      const instance = axios.create({ adapter, responseType: 'text', transformResponse: [(data: unknown) => data] });
      const eject = attachToAxios(box, instance);
      return {
        cachesStreams: adapter === 'fetch',
        async stream(url, options = {}) {
          const { signal, abort } = leaving(options);
          try {
            const response = await instance.get(url, signal ? { responseType: 'stream', signal } : { responseType: 'stream' });
            const data = response.data as ReadableStream<Uint8Array> | (AsyncIterable<Uint8Array> & { destroy(): void });
            return 'getReader' in data ? readWebStream(data, options, abort) : readNodeStream(data, options, abort);
          } catch (error) {
            if (isCircuitOpenError(error)) return { kind: 'open' };
            return { chunks: [], error: axios.isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') ? 'TimeoutError' : 'NetworkError' };
          }
        },
        async get(url, options = {}) {
          try {
            const { body, ...config } = init(options) as Record<string, unknown>;
            const response = await instance.request<string>({ url, ...config, data: body });
            return { kind: 'response', status: response.status, body: String(response.data), fallback: (response.headers['x-breakerbox-fallback'] as string | undefined) ?? null };
          } catch (error) {
            // Only validateStatus' rejection is an answer; a body that broke off also carries a response (status 200).
            if (axios.isAxiosError(error) && error.response && error.message.startsWith('Request failed with status code')) {
              const response = error.response;
              return { kind: 'response', status: response.status, body: String(response.data), fallback: (response.headers['x-breakerbox-fallback'] as string | undefined) ?? null };
            }
            if (axios.isCancel(error)) return { kind: 'error', name: 'AbortError' };
            if (axios.isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')) return { kind: 'error', name: 'TimeoutError' };
            return failed(error);
          }
        },
        dispose: eject,
      };
    },
  };
}

const kyDriver: ClientDriver = {
  name: 'ky',
  async create(box) {
    const { kyOptions } = (await import('../../src/adapters/ky/index.js')) as { kyOptions(box: BreakerBox): Parameters<typeof ky.create>[0] };
    const client = ky.create({ ...kyOptions(box), retry: 0, timeout: false, throwHttpErrors: false });
    return {
      cachesStreams: true,
      async get(url, options = {}) {
        try {
          const response = await client(url, init(options) as Parameters<typeof client>[1]);
          return { kind: 'response', status: response.status, body: await response.text(), fallback: response.headers.get('x-breakerbox-fallback') };
        } catch (error) {
          return failed(error);
        }
      },
      async stream(url, options = {}) {
        const { signal, abort } = leaving(options);
        let response: Response;
        try {
          response = await client.get(url, signal ? { signal } : undefined);
        } catch (error) {
          return isCircuitOpenError(error) ? { kind: 'open' } : { chunks: [], error: (failed(error) as { name: string }).name };
        }
        return readWebStream(response.body!, options, abort);
      },
      dispose() {},
    };
  },
};

/** Every adapter the suite covers. */
export const drivers: ClientDriver[] = [fetchDriver, axiosDriver('http'), axiosDriver('fetch'), kyDriver];
