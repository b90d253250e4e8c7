// Bundled by esbuild for the page (see ../bundle-page.ts). It drives the real package code
// in Chromium against a second, real origin, and checks each step itself.
import ky, { HTTPError } from 'ky';
import { createBreakerBox, isCircuitOpenError, type CircuitState } from 'breakerbox';
import { patchGlobalFetch } from 'breakerbox/fetch';
import { kyOptions } from 'breakerbox/ky';
import { render, type ScenarioReport } from './report.js';

const api = document.querySelector<HTMLMetaElement>('meta[name="api-origin"]')!.content;
const originalFetch = globalThis.fetch;
// Same origin as the page, and sent with the unpatched fetch: steering the test never touches the breaker.
const control = {
  setApiHealthy: (healthy: boolean) => originalFetch(`/control/api?healthy=${healthy}`, { method: 'POST' }),
  apiHits: async () => ((await (await originalFetch('/control/api-hits')).json()) as { total: number }).total,
};

// A manual clock: the page moves time past the open duration instead of waiting it out.
let now = 1_000_000;
const box = createBreakerBox({
  clock: { now: () => now },
  breaker: { failureThreshold: 2, openDuration: 10_000 },
  fallback: { cache: true },
});
const report: ScenarioReport = { done: false, steps: [], transitions: [], userAgent: navigator.userAgent };
window.__breakerbox = report;
box.on('stateChange', ({ from, to }) => report.transitions.push({ from, to }));

async function step(name: string, run: () => Promise<string>): Promise<void> {
  try {
    report.steps.push({ name, passed: true, detail: await run() });
  } catch (error) {
    report.steps.push({ name, passed: false, detail: error instanceof Error ? error.message : String(error) });
  }
  render(report);
}
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}
const state = (): CircuitState => box.state(api);
// The cached copy is stored once the caller has read the body; give it a moment anyway.
const cacheSettles = () => new Promise((resolve) => setTimeout(resolve, 50));
// 'reload' keeps the browser's own HTTP cache out of the way; 'no-store' would keep breakerbox's out too (0.2 honours it).
const get = (path: string) => fetch(`${api}${path}`, { cache: 'reload' });

const restore = patchGlobalFetch(box);
const client = ky.create({ ...kyOptions(box), prefix: api, retry: 0, cache: 'reload' });
let firstBody = '';

await step('fetch: a healthy origin answers and the breaker stays closed', async () => {
  const response = await get('/data');
  firstBody = await response.text();
  await cacheSettles();
  check(response.status === 200 && response.headers.get('x-breakerbox-fallback') === null, `got ${response.status}`);
  check(state() === 'closed', `state ${state()}`);
  return `200 ${firstBody}`;
});

await step('fetch: two 503s from the origin open the breaker', async () => {
  await control.setApiHealthy(false);
  const statuses = [(await get('/data')).status, (await get('/data')).status];
  check(statuses.join() === '503,503', `statuses ${statuses.join()}`);
  check(state() === 'open', `state ${state()}`);
  return `statuses ${statuses.join(', ')}, state open`;
});

const hitsWhenOpened = await control.apiHits();

await step('fetch: the open breaker serves the cached response', async () => {
  const response = await get('/data');
  const body = await response.text();
  const source = response.headers.get('x-breakerbox-fallback');
  check(response.status === 200 && source === 'cache' && body === firstBody, `got ${response.status} ${String(source)} ${body}`);
  return `200 from x-breakerbox-fallback: ${source}, body ${body}`;
});

await step('fetch: the open breaker refuses a URL with no cached copy', async () => {
  const error = await get('/other').then(() => undefined, (e: unknown) => e);
  check(isCircuitOpenError(error), `got ${String(error)}`);
  return (error as Error).message;
});

await step('ky: the open breaker serves the cached response and refuses the rest', async () => {
  const body = await client.get('data').text();
  check(body === firstBody, `got ${body}`);
  const error = await client.get('other').then(() => undefined, (e: unknown) => e);
  check(isCircuitOpenError(error), `got ${String(error)}`);
  return `cached ${body}; /other refused with CircuitOpenError`;
});

await step('nothing reached the failing origin while the breaker was open', async () => {
  const hits = await control.apiHits();
  check(hits === hitsWhenOpened, `${hits - hitsWhenOpened} request(s) reached it`);
  return `origin hits stayed at ${hits}`;
});

await step('recovery: after the open duration one probe closes the breaker', async () => {
  await control.setApiHealthy(true);
  now += 10_001;
  check(state() === 'half-open', `state ${state()} before the probe`);
  const body = await client.get('data').text();
  check(body !== firstBody, `got the cached ${body} instead of a fresh answer`);
  check(state() === 'closed', `state ${state()}`);
  return `fresh ${body}, state closed`;
});

await step('ky over the patched fetch counts each attempt once', async () => {
  await control.setApiHealthy(false);
  const first = await client.get('data').then(() => undefined, (e: unknown) => e);
  const afterOne = state();
  const second = await client.get('data').then(() => undefined, (e: unknown) => e);
  check(first instanceof HTTPError && second instanceof HTTPError, `got ${String(first)}, ${String(second)}`);
  check(afterOne === 'closed' && state() === 'open', `states ${afterOne} then ${state()}: threshold 2 must take two requests`);
  return `closed after one 503, open after two`;
});

await step('restore() puts the browser fetch back', async () => {
  check(restore() && globalThis.fetch === originalFetch, 'the global fetch is not the original');
  return 'globalThis.fetch is the original again';
});

report.done = true;
render(report);
