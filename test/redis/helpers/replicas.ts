import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BreakerBoxEvents, CircuitState } from '../../../src/index.js';
import type { ReplicaCommand, ReplicaConfig, RequestResult } from '../fixtures/replica.js';
import { waitUntil } from './wait.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = 'test/redis/fixtures/replica.ts';
/** A replica that has not exited by then is killed, so a hung child fails the test instead of hanging the run. */
const CHILD_DEADLINE = 30_000;

/** A state change as the replica saw it, with the wall-clock time (ms) it happened. */
export type ReplicaEvent = BreakerBoxEvents['stateChange'] & { at: number };

/** The test's handle on one replica process. */
export interface Replica {
  readonly name: string;
  readonly events: ReplicaEvent[];
  request(url: string): Promise<RequestResult>;
  state(origin: string): Promise<CircuitState>;
  isolate(origin: string): Promise<void>;
  reset(origin: string): Promise<void>;
  stopSharing(): Promise<void>;
  /** Wait until the replica's box reaches `state` for `origin`; returns the event that moved it there. */
  waitForState(origin: string, state: CircuitState, timeout?: number): Promise<ReplicaEvent>;
  /** Quit its Redis connections and wait for the process to exit. */
  close(): Promise<void>;
}

/** Fork one replica with the project's Node (the one running vitest) and the source hook. */
export async function startReplica(config: ReplicaConfig): Promise<Replica> {
  const child: ChildProcess = fork(fixture, [JSON.stringify(config)], {
    cwd: root,
    execPath: process.execPath,
    execArgv: ['--import', './scripts/register-source.mjs'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const deadline = setTimeout(() => child.kill('SIGKILL'), CHILD_DEADLINE);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => clearTimeout(deadline));
  const events: ReplicaEvent[] = [];
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  child.on('message', (message: { event?: string; id?: number; result?: unknown; error?: string } & ReplicaEvent) => {
    if (message.event === 'started') started();
    else if (message.event === 'stateChange') events.push(message);
    else if (message.id !== undefined) {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(`${config.name}: ${message.error}`));
      else pending?.resolve(message.result);
    }
  });
  void exited.then(() => {
    for (const pending of waiting.values()) pending.reject(new Error(`${config.name} exited`));
    waiting.clear();
  });
  const call = <T>(command: ReplicaCommand): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, ...command });
    });
  await Promise.race([ready, exited.then(() => Promise.reject(new Error(`${config.name} exited before it started`)))]);
  return {
    name: config.name,
    events,
    request: (url) => call({ cmd: 'request', url }),
    state: (origin) => call({ cmd: 'state', origin }),
    isolate: (origin) => call({ cmd: 'isolate', origin }),
    reset: (origin) => call({ cmd: 'reset', origin }),
    stopSharing: () => call({ cmd: 'stopSharing' }),
    async waitForState(origin, state, timeout = 3_000) {
      const seen = events.length;
      await waitUntil(`${config.name} to be ${state}`, async () => (await call({ cmd: 'state', origin })) === state, timeout);
      return events.slice(seen).findLast((e) => e.origin === origin && e.to === state) ?? events.findLast((e) => e.origin === origin && e.to === state)!;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ id: nextId++, cmd: 'close' });
      await exited;
    },
  };
}
