import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { startLocalServer, type LocalServer } from '../helpers/local-server.js';
import { runTraffic, startInProcessReplica, type InProcessReplica, type Traffic } from './helpers/in-process-replica.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { waitUntil } from './helpers/wait.js';

/** The bound on what Redis trouble may add to a request's p99, in ms. */
const ADDED_P99_BOUND = 50;
/** The store's default `lookupTimeout`, and what a busy machine may add to a timer. */
const LOOKUP_TIMEOUT = 50;
const TIMER_SLACK = 40;

/**
 * Latency is measured against a control: a box with no Redis at all, sending the same
 * requests at the same time. On a shared, busy machine only that difference says what
 * Redis trouble added; a baseline taken a second earlier would mostly measure the neighbours.
 */
interface Measured {
  closed: Traffic;
  refused: Traffic;
  controlClosed: Traffic;
  controlRefused: Traffic;
}

describe.skipIf(!redisServerAvailable())('Redis trouble never becomes the caller’s trouble', () => {
  let redis: RedisServer;
  let healthy: LocalServer;
  let refused: LocalServer;
  let proxy: TcpProxy | undefined;
  const replicas: InProcessReplica[] = [];
  let run = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    [healthy, refused] = await Promise.all([startLocalServer(), startLocalServer()]);
  });
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.close()));
    await proxy?.close();
    proxy = undefined;
    await redis.ensureRunning();
  });
  afterAll(async () => {
    await healthy?.close();
    await refused?.close();
    await redis?.stop();
  });

  /** Two replicas on a fresh prefix; `viaProxy` puts the second one behind a TCP proxy. */
  const pair = async (viaProxy = false) => {
    const prefix = `faults${++run}:`;
    if (viaProxy) proxy = await startTcpProxy(redis.port);
    const a = await startInProcessReplica(redis.port, prefix, refused.origin);
    const b = await startInProcessReplica(viaProxy ? proxy!.port : redis.port, prefix, refused.origin);
    replicas.push(a, b);
    // The refused origin is isolated on both: its requests are answered by the fallbacks, after a Redis lookup.
    a.box.isolate(refused.origin);
    await waitUntil('b to hear of the isolate', () => b.box.state(refused.origin) === 'isolated');
    return { a, b };
  };

  const closedUrls = () => [`${healthy.origin}/ok?page=1`, `${healthy.origin}/ok?page=2`];
  const refusedUrls = () => [`${refused.origin}/ok?page=3`];
  /** The control: the same box without Redis, its refused origin isolated too. */
  const control = () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 10_000 }, fallback: { cache: true }, hosts: { [refused.origin]: { fallback: { value: { status: 200, body: 'value fallback' } } } } });
    box.isolate(refused.origin);
    return createFetch(box);
  };
  /** Refused requests (each waits on a Redis lookup), then closed-path ones (each offers a write), each beside the control. */
  const measure = async (replica: InProcessReplica): Promise<Measured> => {
    const plain = control();
    const [refusedTraffic, controlRefused] = await Promise.all([runTraffic(replica.fetch, refusedUrls(), 400), runTraffic(plain, refusedUrls(), 400)]);
    const [closed, controlClosed] = await Promise.all([runTraffic(replica.fetch, closedUrls(), 800), runTraffic(plain, closedUrls(), 800)]);
    return { closed, refused: refusedTraffic, controlClosed, controlRefused };
  };
  const describeRun = (m: Measured) =>
    `closed path p99 ${m.closed.p99.toFixed(1)} ms (control ${m.controlClosed.p99.toFixed(1)}, ${m.closed.latencies.length} requests), refused path max ${m.refused.max.toFixed(1)} ms (control ${m.controlRefused.max.toFixed(1)})`;
  /** Every request answered; the closed path's p99 within the bound of the control's; no refused request waited past the lookup bound. */
  const expectUnharmed = (m: Measured) => {
    expect(m.closed.failures).toEqual([]);
    expect(m.refused.failures).toEqual([]);
    expect(m.refused.latencies.length).toBeGreaterThan(4);
    expect(m.closed.p99 - m.controlClosed.p99).toBeLessThan(ADDED_P99_BOUND);
    expect(m.refused.max - m.controlRefused.max).toBeLessThan(LOOKUP_TIMEOUT + TIMER_SLACK);
  };

  /** Whether an isolate on `from` reaches `to` within `timeout` ms, on a fresh origin each time. */
  let probe = 0;
  const shares = async (from: InProcessReplica, to: InProcessReplica, timeout = 1_000): Promise<boolean> => {
    const origin = `http://probe-${++probe}.test`;
    from.box.isolate(origin);
    try {
      await waitUntil('the isolate to arrive', () => to.box.state(origin) === 'isolated', timeout);
      return true;
    } catch {
      return false;
    }
  };

  it('answers every request while Redis is killed, and shares again after it restarts on the same port', async () => {
    const { a, b } = await pair();
    await redis.kill();
    const down = await measure(a);
    console.info(`killed: ${describeRun(down)}`);
    expectUnharmed(down);

    // Opened while Redis was away: kept, and sent once the client is back.
    const origin = 'http://opened-while-down.test';
    a.box.openUntil(origin, Date.now() + 5_000);
    const restarted = Date.now();
    await redis.restart();
    await waitUntil('b to learn what a opened while Redis was down', () => b.box.state(origin) === 'open', 5_000);
    const caughtUp = Date.now() - restarted;
    // Each connection comes back on its own retry schedule: sharing is back once both of b's
    // are (a busy machine can take a second or more to get there).
    expect(await shares(a, b, 5_000)).toBe(true);
    const back = Date.now() - restarted;
    console.info(`restarted: the open made while Redis was down reached b ${caughtUp} ms after the restart; a new signal went through ${back} ms after it`);
    expect(await shares(b, a)).toBe(true);
  });

  it('slows no request past the lookup bound while Redis is stopped (SIGSTOP), and shares again after SIGCONT', async () => {
    const { a, b } = await pair();
    redis.pause();
    try {
      const stopped = await measure(a);
      console.info(`stopped: ${describeRun(stopped)}`);
      expectUnharmed(stopped);
      // The lookups did wait for the stopped server, up to the bound, and then answered.
      expect(a.store.stats().timeouts).toBeGreaterThan(0);
      // Commands waiting on the stopped server stay bounded.
      expect(a.store.stats().pending).toBeLessThanOrEqual(256);
      // A signal sent now waits in the socket and arrives after SIGCONT.
      a.box.isolate('http://isolated-while-stopped.test');
    } finally {
      redis.resume();
    }
    await waitUntil('b to hear what a sent while Redis was stopped', () => b.box.state('http://isolated-while-stopped.test') === 'isolated');
    expect(await shares(b, a)).toBe(true);
  });

  it('survives a partition that drops the connection, and catches up on what it missed once healed', async () => {
    const { a, b } = await pair(true);
    proxy!.cut();
    await waitUntil('b to see the connection gone', () => b.client.status !== 'ready' && b.subscriber.status !== 'ready');
    const cut = await measure(b);
    console.info(`partitioned (dropped): ${describeRun(cut)}`);
    expectUnharmed(cut);

    // What each side did meanwhile: a opened an origin, b isolated one, a reset one b had heard of.
    a.box.openUntil('http://opened-during-partition.test', Date.now() + 10_000);
    b.box.isolate('http://isolated-during-partition.test');
    a.box.reset(refused.origin);
    expect(b.box.state('http://opened-during-partition.test')).toBe('closed');
    proxy!.heal();
    await waitUntil('b to learn what opened while it was away', () => b.box.state('http://opened-during-partition.test') === 'open', 5_000);
    await waitUntil('a to hear what b isolated while away', () => a.box.state('http://isolated-during-partition.test') === 'isolated', 5_000);
    await waitUntil('b to catch up on the reset it missed', () => b.box.state(refused.origin) === 'closed', 5_000);
    expect(await shares(a, b)).toBe(true);
  });

  it('survives a partition that silently drops packets (a black hole) with no request slowed past the bound', async () => {
    const { a, b } = await pair(true);
    proxy!.blackhole();
    const silent = await measure(b);
    console.info(`partitioned (black hole): ${describeRun(silent)}`);
    expectUnharmed(silent);
    expect(b.store.stats().timeouts).toBeGreaterThan(0);
    a.box.isolate('http://isolated-during-blackhole.test');
    proxy!.heal();
    await waitUntil('b to learn it after the heal', () => b.box.state('http://isolated-during-blackhole.test') === 'isolated', 5_000);
    expect(await shares(b, a)).toBe(true);
  });
});
