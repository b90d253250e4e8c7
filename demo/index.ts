/**
 * `npm run demo`: breakerbox at work for a first-time user, offline, in about 20 s.
 *
 * Two local servers: `catalog` stays healthy; `inventory` fails (503), then hangs, then
 * heals. fetch, axios and ky send traffic to both through one box, and a live table shows
 * each origin's breaker opening, serving fallbacks, probing and closing. It ends on its
 * own with a summary. In a terminal the table is redrawn in place; elsewhere (CI, a pipe)
 * it prints a status line every 2 s and each state change as it happens.
 *
 * `-- --otel` adds the box's OpenTelemetry metrics; `-- --replicas` runs three replicas
 * sharing one Redis instead (breakerbox/redis; needs a redis-server on the machine).
 */
import { createBreakerBox } from 'breakerbox';
import { describeChange, type Frame, seconds } from './render.js';
import { loadOtelSummary } from './otel.js';
import { Screen } from './screen.js';
import { wrapIndented } from './text.js';
import type { StateChange } from './timeline.js';
import { type DemoServer, type Health, startDemoServer } from './servers.js';
import { type ClientStats, createClients, runTraffic } from './traffic.js';

const TOTAL = 20_000;
const TIMELINE: { at: number; health: Health; phase: string }[] = [
  { at: 0, health: 'healthy', phase: 'both servers healthy: good GET responses are kept for the cache fallback' },
  { at: 4_000, health: 'failing', phase: 'inventory answers 503: five failures in a row open its breaker' },
  { at: 9_000, health: 'hanging', phase: 'inventory hangs: a probe times out after 1 s and the breaker re-opens' },
  { at: 13_000, health: 'healthy', phase: 'inventory healed: the next probe succeeds and the breaker closes' },
];

// `npm run demo -- --replicas`: three processes sharing one Redis, one dying host (needs redis-server).
if (process.argv.includes('--replicas')) {
  const { runReplicasDemo } = await import('./replicas.js');
  await runReplicasDemo();
  process.exit(0);
}

const catalog = await startDemoServer('catalog');
const inventory = await startDemoServer('inventory');
const names = new Map([
  [catalog.origin, 'catalog'],
  [inventory.origin, 'inventory'],
]);

// The library's defaults, except a short open time so one run shows the whole cycle
// (the default is 30 s), a 1 s timeout per attempt, and fallbacks: the last good
// response, or else an empty stock list for inventory.
const box = createBreakerBox({
  breaker: { openDuration: 2_000, maxOpenDuration: 4_000 },
  timeout: 1_000,
  fallback: { cache: true },
  hosts: {
    [inventory.origin]: { fallback: { cache: true, value: { status: 200, body: { stock: [], stale: true } } } },
  },
});

// `npm run demo -- --otel`: the same run, with the box's OpenTelemetry metrics under the table.
const otel = process.argv.includes('--otel') ? await loadOtelSummary(box, names) : undefined;

const started = Date.now();
const elapsed = (): number => Date.now() - started;
const screen = new Screen(process.stdout);
// Ctrl-C mid-run: give the terminal its cursor back.
process.once('SIGINT', () => {
  screen.close();
  process.exit(130);
});
const changes: StateChange[] = [];
let opened = 0;
let healedAt: number | undefined;
let closedAfterHeal: number | undefined;
const fallbackSources = { cache: 0, value: 0 };

box.on('stateChange', ({ origin, from, to, openFor }) => {
  const change: StateChange = { at: elapsed(), origin, from, to, ...(openFor === undefined ? {} : { openFor }) };
  changes.push(change);
  if (!screen.live) console.log(describeChange(change, names));
  if (to === 'open') opened++;
  if (to === 'closed' && healedAt !== undefined && closedAfterHeal === undefined) closedAfterHeal = elapsed() - healedAt;
});
box.on('fallback', ({ source }) => fallbackSources[source]++);

const stats: ClientStats[] = [];
const stop = new AbortController();
const traffic = runTraffic(createClients(box), [catalog.origin, inventory.origin], stats, stop.signal);

let phase = TIMELINE[0]!.phase;
let outageHits = 0;
const timeline = TIMELINE.slice(1).map(({ at, health, phase: next }) =>
  setTimeout(() => {
    if (health !== 'healthy' && outageHits === 0) outageHits = -inventory.hits();
    if (health === 'healthy') {
      outageHits += inventory.hits();
      healedAt = elapsed();
    }
    inventory.setHealth(health);
    phase = next;
    if (!screen.live) console.log(`${seconds(elapsed()).padStart(7)}  ${next}`);
  }, at),
);

const frame = (): Frame => ({ elapsed: elapsed(), total: TOTAL, phase, origins: box.snapshot(), names, clients: stats, changes, ...(otel ? { otel: otel.render() } : {}) });
const redraw = setInterval(() => screen.draw(frame()), 200);
screen.draw(frame());

await new Promise((resolve) => setTimeout(resolve, TOTAL));
clearInterval(redraw);
timeline.forEach(clearTimeout);
stop.abort();
// Closing the servers also ends any request still hanging on inventory.
await Promise.all([catalog.close(), inventory.close()]);
await traffic;
// The last frame without the OTel panel: its full text follows, wrapped rather than cut.
const { otel: _panel, ...last } = frame();
screen.draw({ ...last, elapsed: TOTAL }, true);
if (otel) {
  await otel.refresh();
  const width = (process.stdout.columns ?? 80) - 1;
  const text = otel.render().split('\n');
  console.log(`\nOpenTelemetry (breakerbox/otel), one last collection:\n${(screen.live ? text.flatMap((line) => wrapIndented(line, width, 29)) : text).join('\n')}`);
  otel.stop();
}
printSummary(catalog, inventory);

function printSummary(healthy: DemoServer, flaky: DemoServer): void {
  const entries = new Map(box.snapshot().map((entry) => [entry.origin, entry]));
  const sent = stats.reduce((sum, c) => sum + c.sent, 0);
  const answered = stats.reduce((sum, c) => sum + c.live + c.fallback, 0);
  const inv = entries.get(flaky.origin);
  const cat = entries.get(healthy.origin);
  const summary = `
Summary after ${seconds(TOTAL)}: ${sent} requests from ${stats.map((c) => c.name).join(', ')}; ${answered} answered (live or fallback).
  catalog:   ${cat?.state}, ${cat?.successes} successes, ${cat?.failures} failures: a healthy origin is never slowed by the other one's outage.
  inventory: opened ${opened} time(s); ${inv?.rejected} requests refused without being sent, ${inv?.fallbacks} answered by a fallback (${fallbackSources.cache} cached, ${fallbackSources.value} default value).
             During its ${seconds(TIMELINE[3]!.at - TIMELINE[1]!.at)} outage only ${outageHits} requests reached it: the first failures and one probe per open period.
             ${closedAfterHeal === undefined ? `Still ${inv?.state} at the end.` : `Closed ${seconds(closedAfterHeal)} after it healed, on the first probe.`}
Try it in your code: examples/README.md.`;
  // In a terminal, each line is wrapped to its width, keeping its indentation.
  const width = (process.stdout.columns ?? 80) - 1;
  console.log(screen.live ? summary.split('\n').flatMap((line) => wrapIndented(line, width)).join('\n') : summary);
}
