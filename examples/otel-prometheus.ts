/**
 * breakerbox metrics in Prometheus: `instrument(box)` on an OpenTelemetry MeterProvider
 * whose reader is `@opentelemetry/exporter-prometheus`, a short outage of a local
 * backend, then one scrape of the exporter's /metrics, printed.
 *
 * Runs offline against servers it starts itself on 127.0.0.1:
 *   node --import ./scripts/register-source.mjs examples/otel-prometheus.ts
 *
 * Dashboard for these metrics: examples/grafana-dashboard.json.
 */
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createBreakerBox } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';
import { instrument } from 'breakerbox/otel';

// A backend that is healthy until we break it.
let status = 200;
const backend = createServer((_request, response) => {
  response.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"items":[]}' : '{"error":"unavailable"}');
});
await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
const api = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

// The exporter serves /metrics itself. It reads port 0 as "the default, 9464", so ask the OS for a free port first
// (in production, keep 9464 and let Prometheus scrape it).
const port = await freePort();
const exporter = new PrometheusExporter({ host: '127.0.0.1', port, preventServerStart: true });
await exporter.startServer();
const meterProvider = new MeterProvider({ readers: [exporter] });

const box = createBreakerBox({
  breaker: { failureThreshold: 3, openDuration: 300 }, // short, so the example also shows the recovery
  fallback: { value: { status: 200, body: { items: [], stale: true } } },
});
const stop = instrument(box, { meterProvider });
const resilientFetch = createFetch(box);

try {
  for (let i = 0; i < 3; i++) await (await resilientFetch(`${api}/items?page=${i}`)).text(); // 3 successes
  status = 503;
  for (let i = 0; i < 3; i++) await (await resilientFetch(`${api}/items`)).text(); // 3 failures: the breaker opens
  for (let i = 0; i < 4; i++) await (await resilientFetch(`${api}/items`)).text(); // 4 refusals, answered by the value
  console.log(`after the failures: ${box.state(api)}`);
  status = 200;
  await sleep(300);
  await (await resilientFetch(`${api}/items`)).text(); // the probe succeeds: closed again
  console.log(`after the probe: ${box.state(api)}\n`);

  // What Prometheus would scrape (with the global fetch: the exporter is not behind the box).
  const scrape = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const ours = scrape.split('\n').filter((line) => line.includes('breakerbox_'));
  const buckets = ours.filter((line) => line.includes('_bucket{'));
  console.log(ours.filter((line) => !buckets.includes(line)).join('\n'));
  console.log(`(and ${buckets.length} breakerbox_attempt_duration_bucket lines, one per boundary and series)`);

  // The example checks itself, so `npm run examples` fails if the names or counts drift.
  for (const expected of [
    `breakerbox_requests_total{breakerbox_origin="${api}",breakerbox_verdict="success",breakerbox_outcome="response",otel_scope_name="breakerbox"} 4`,
    `breakerbox_requests_total{breakerbox_origin="${api}",breakerbox_verdict="failure",breakerbox_outcome="response",otel_scope_name="breakerbox"} 3`,
    `breakerbox_rejections_total{breakerbox_origin="${api}",breakerbox_state="open",otel_scope_name="breakerbox"} 4`,
    `breakerbox_attempt_duration_count{breakerbox_origin="${api}",breakerbox_verdict="success",otel_scope_name="breakerbox"} 4`,
    `breakerbox_state{breakerbox_origin="${api}",otel_scope_name="breakerbox"} 0`,
  ]) {
    if (!ours.includes(expected)) throw new Error(`Failed to find this line in the scrape: ${expected}`);
  }
} finally {
  stop();
  await meterProvider.shutdown(); // also stops the exporter's server
  backend.close();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: found } = probe.address() as AddressInfo;
      probe.close(() => resolve(found));
    });
  });
}
