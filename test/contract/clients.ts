import axios, { type AxiosInstance } from 'axios';
import ky from 'ky';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { isCircuitOpenError, type BreakerBox } from '../../src/index.js';

/** How one request ended, the same shape for every client, so scenarios compare like with like. */
export type Result =
  | { kind: 'response'; status: number; body: string; fallback: string | null }
  | { kind: 'open' }
  | { kind: 'error'; name: string };

export interface RequestOptions {
  signal?: AbortSignal;
}

/** One HTTP client wired to a box by its adapter. */
export interface Client {
  get(url: string, options?: RequestOptions): Promise<Result>;
  dispose(): void;
}

export interface ClientDriver {
  name: string;
  create(box: BreakerBox): Promise<Client>;
}

/** Errors in one vocabulary: `TimeoutError`, `AbortError` or `NetworkError` (fetch says TypeError, axios and ky their own). */
function failed(error: unknown): Result {
  if (isCircuitOpenError(error)) return { kind: 'open' };
  const name = (error as Error | undefined)?.name;
  return { kind: 'error', name: name === 'TimeoutError' || name === 'AbortError' ? name : 'NetworkError' };
}

const fetchDriver: ClientDriver = {
  name: 'fetch',
  async create(box) {
    const fetch = createFetch(box);
    return {
      async get(url, options = {}) {
        try {
          const response = await fetch(url, options.signal ? { signal: options.signal } : {});
          return { kind: 'response', status: response.status, body: await response.text(), fallback: response.headers.get('x-breakerbox-fallback') };
        } catch (error) {
          return failed(error);
        }
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
        async get(url, options = {}) {
          try {
            const response = await instance.get<string>(url, options.signal ? { signal: options.signal } : {});
            return { kind: 'response', status: response.status, body: String(response.data), fallback: (response.headers['x-breakerbox-fallback'] as string | undefined) ?? null };
          } catch (error) {
            if (axios.isAxiosError(error) && error.response) {
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
      async get(url, options = {}) {
        try {
          const response = await client.get(url, options.signal ? { signal: options.signal } : {});
          return { kind: 'response', status: response.status, body: await response.text(), fallback: response.headers.get('x-breakerbox-fallback') };
        } catch (error) {
          return failed(error);
        }
      },
      dispose() {},
    };
  },
};

/** Every adapter the suite covers. */
export const drivers: ClientDriver[] = [fetchDriver, axiosDriver('http'), axiosDriver('fetch'), kyDriver];
