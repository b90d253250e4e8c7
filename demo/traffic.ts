import { setTimeout as sleep } from 'node:timers/promises';
import axios from 'axios';
import ky from 'ky';
import type { BreakerBox } from 'breakerbox';
import * as axiosAdapter from 'breakerbox/axios';
import { createFetch } from 'breakerbox/fetch';
import * as kyAdapter from 'breakerbox/ky';

/** How one request ended, as the caller saw it. */
export type Answer = 'live' | 'fallback' | 'failed';

export interface ClientStats {
  name: string;
  sent: number;
  live: number;
  fallback: number;
  failed: number;
}

/** Sends one GET and says how it was answered. */
type Send = (url: string) => Promise<Answer>;

const FALLBACK_HEADER = 'x-breakerbox-fallback';

/** The clients the demo drives: fetch always, axios and ky once their adapters exist. */
export function createClients(box: BreakerBox): Record<string, Send> {
  const clients: Record<string, Send> = {};
  const resilientFetch = createFetch(box);
  clients.fetch = async (url) => {
    const response = await resilientFetch(url);
    await response.arrayBuffer();
    return response.headers.has(FALLBACK_HEADER) ? 'fallback' : response.ok ? 'live' : 'failed';
  };
  if (typeof axiosAdapter.attachToAxios === 'function') {
    // validateStatus: every status resolves, so a 503 is counted here rather than thrown.
    const api = axios.create({ validateStatus: () => true });
    axiosAdapter.attachToAxios(box, api);
    clients.axios = async (url) => {
      const response = await api.get(url);
      return response.headers[FALLBACK_HEADER] ? 'fallback' : response.status < 400 ? 'live' : 'failed';
    };
  }
  if (typeof kyAdapter.kyOptions === 'function') {
    const api = ky.create({ ...kyAdapter.kyOptions(box), retry: 0, throwHttpErrors: false });
    clients.ky = async (url) => {
      const response = await api.get(url);
      await response.arrayBuffer();
      return response.headers.has(FALLBACK_HEADER) ? 'fallback' : response.ok ? 'live' : 'failed';
    };
  }
  return clients;
}

/**
 * Runs every client against every origin, one loop per pair (so a hung origin cannot
 * slow the healthy one's traffic), until `signal` aborts. Resolves once every loop ended.
 */
export async function runTraffic(clients: Record<string, Send>, origins: string[], stats: ClientStats[], signal: AbortSignal): Promise<void> {
  const loops: Promise<void>[] = [];
  for (const [name, send] of Object.entries(clients)) {
    const entry: ClientStats = { name, sent: 0, live: 0, fallback: 0, failed: 0 };
    stats.push(entry);
    for (const origin of origins) {
      loops.push(
        (async () => {
          while (!signal.aborted) {
            entry.sent++;
            // Enough paths that the cache fallback has most of them, and the default value answers the rest.
            const url = `${origin}/stock?sku=${1 + Math.floor(Math.random() * 40)}`;
            entry[await send(url).catch((): Answer => 'failed')]++;
            await sleep(150 + Math.random() * 100, undefined, { signal }).catch(() => {});
          }
        })(),
      );
    }
  }
  await Promise.all(loops);
}
