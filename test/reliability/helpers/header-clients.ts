import axios from 'axios';
import ky from 'ky';
import { attachToAxios } from '../../../src/adapters/axios/index.js';
import { createFetch } from '../../../src/adapters/fetch/index.js';
import { kyOptions } from '../../../src/adapters/ky/index.js';
import { isCircuitOpenError, type BreakerBox } from '../../../src/index.js';

/** How one request ended, the same for every client. */
export type Answer = { kind: 'response'; status: number; body: string; fallback: string | null } | { kind: 'open' } | { kind: 'error'; name: string };

/** A client that can send any method and headers: what the cache rules depend on. */
export interface HeaderClient {
  request(method: string, url: string, headers?: Record<string, string>): Promise<Answer>;
  dispose(): void;
}

export interface HeaderClientDriver {
  name: string;
  create(box: BreakerBox): HeaderClient;
}

function failed(error: unknown): Answer {
  return isCircuitOpenError(error) ? { kind: 'open' } : { kind: 'error', name: (error as Error | undefined)?.name ?? 'unknown' };
}

const fetchDriver: HeaderClientDriver = {
  name: 'fetch',
  create(box) {
    const fetch = createFetch(box);
    return {
      async request(method, url, headers = {}) {
        try {
          const response = await fetch(url, { method, headers });
          return { kind: 'response', status: response.status, body: await response.text(), fallback: response.headers.get('x-breakerbox-fallback') };
        } catch (error) {
          return failed(error);
        }
      },
      dispose() {},
    };
  },
};

function axiosDriver(adapter: 'http' | 'fetch'): HeaderClientDriver {
  return {
    name: `axios (${adapter})`,
    create(box) {
      const instance = axios.create({ adapter, responseType: 'text', transformResponse: [(data: unknown) => data], validateStatus: () => true });
      const eject = attachToAxios(box, instance);
      return {
        async request(method, url, headers = {}) {
          try {
            const response = await instance.request<string>({ method, url, headers });
            const fallback = response.headers['x-breakerbox-fallback'] as string | undefined;
            return { kind: 'response', status: response.status, body: String(response.data ?? ''), fallback: fallback ?? null };
          } catch (error) {
            return failed(error);
          }
        },
        dispose: eject,
      };
    },
  };
}

const kyDriver: HeaderClientDriver = {
  name: 'ky',
  create(box) {
    const client = ky.create({ ...kyOptions(box), retry: 0, timeout: false, throwHttpErrors: false });
    return {
      async request(method, url, headers = {}) {
        try {
          const response = await client(url, { method, headers });
          return { kind: 'response', status: response.status, body: await response.text(), fallback: response.headers.get('x-breakerbox-fallback') };
        } catch (error) {
          return failed(error);
        }
      },
      dispose() {},
    };
  },
};

/** Every adapter, each able to send credentials and other methods. */
export const headerClientDrivers: HeaderClientDriver[] = [fetchDriver, axiosDriver('http'), axiosDriver('fetch'), kyDriver];
