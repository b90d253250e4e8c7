import fc from 'fast-check';
import { vi } from 'vitest';
import { configArb, outcomeArb, type OutcomeCase } from './commands.js';
import { type PipelineConfig, type RequestSpec, type ScriptStep, World } from './pipeline-world.js';

/**
 * fast-check commands for the pipeline model test: requests through `box.execute()` (some
 * held open while others run), releases of held attempts, clock advances (vitest's fake
 * timers, which move the box's clock and fire retry waits and queue timeouts), caller aborts,
 * isolate and reset. After each step the microtasks run out, then every observable is checked.
 */

/** Let every promise chain the step started run to its end (setImmediate is not faked). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

async function afterStep(world: World): Promise<void> {
  await settle();
  if (world.violation === undefined) world.verifyQuiet();
  if (world.violation !== undefined) throw new Error(`Divergence: ${world.violation}`);
}

type PipelineCommand = fc.AsyncCommand<World, World>;

class RequestCommand implements PipelineCommand {
  readonly spec: RequestSpec;
  constructor(spec: RequestSpec) {
    this.spec = spec;
  }
  check = (): boolean => true;
  async run(_model: World, world: World): Promise<void> {
    world.request(this.spec);
    await afterStep(world);
  }
  toString = (): string => {
    const { method, idempotencyKey, replayable, script } = this.spec;
    const steps = script.map((s) => `${s.outcome.label}${s.hold ? ' (held)' : ''}`).join(', ');
    return `request(${method}${idempotencyKey ? ' +key' : ''}${replayable ? '' : ' stream'}: ${steps})`;
  };
}

class ReleaseCommand implements PipelineCommand {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
  check = (world: Readonly<World>): boolean => world.heldRequests().length > 0;
  async run(_model: World, world: World): Promise<void> {
    const held = world.heldRequests();
    world.release(held[this.index % held.length]!);
    await afterStep(world);
  }
  toString = (): string => `release(#${this.index})`;
}

class AbortCommand implements PipelineCommand {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
  check = (world: Readonly<World>): boolean => world.pendingRequests().length > 0;
  async run(_model: World, world: World): Promise<void> {
    const pending = world.pendingRequests();
    world.abort(pending[this.index % pending.length]!);
    await afterStep(world);
  }
  toString = (): string => `abort(#${this.index})`;
}

/** Move time by a fixed amount or a multiple of openDuration give or take 1 ms (the boundaries). */
class AdvanceCommand implements PipelineCommand {
  readonly ms: number | undefined;
  readonly factor: number;
  readonly delta: number;
  constructor(ms: number | undefined, factor: number, delta: number) {
    this.ms = ms;
    this.factor = factor;
    this.delta = delta;
  }
  check = (): boolean => true;
  async run(_model: World, world: World): Promise<void> {
    const ms = this.ms ?? Math.max(0, Math.round(this.factor * world.config.breaker.openDuration) + this.delta);
    await vi.advanceTimersByTimeAsync(ms);
    await afterStep(world);
  }
  toString = (): string => (this.ms === undefined ? `advance(${this.factor} x openDuration ${this.delta >= 0 ? '+' : ''}${this.delta} ms)` : `advance(${this.ms} ms)`);
}

class IsolateCommand implements PipelineCommand {
  check = (): boolean => true;
  async run(_model: World, world: World): Promise<void> {
    world.isolate();
    await afterStep(world);
  }
  toString = (): string => 'isolate';
}

class ResetCommand implements PipelineCommand {
  check = (): boolean => true;
  async run(_model: World, world: World): Promise<void> {
    world.reset();
    await afterStep(world);
  }
  toString = (): string => 'reset';
}

/** Short Retry-After waits (within any maxDelay), so retries that sleep, and aborts during the sleep, come often. */
const shortRetryAfterArb: fc.Arbitrary<OutcomeCase> = fc.tuple(fc.constantFrom(429, 503), fc.integer({ min: 1, max: 3 })).map(([status, seconds]) => ({
  label: `${status} Retry-After ${seconds}`,
  outcome: { kind: 'response', status, headers: { 'retry-after': String(seconds) } },
  expected: { verdict: 'failure', retryAfterMs: seconds * 1000 },
}));

const outcomes = fc.oneof({ weight: 5, arbitrary: outcomeArb }, { weight: 1, arbitrary: shortRetryAfterArb });
const stepArb = (heldOneIn: number): fc.Arbitrary<ScriptStep> =>
  fc.record({ outcome: outcomes, hold: fc.oneof({ weight: heldOneIn - 1, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) });

export const requestSpecArb: fc.Arbitrary<RequestSpec> = fc.record({
  method: fc.oneof({ weight: 5, arbitrary: fc.constant('GET' as const) }, { weight: 1, arbitrary: fc.constant('PUT' as const) }, { weight: 2, arbitrary: fc.constant('POST' as const) }),
  idempotencyKey: fc.boolean(),
  replayable: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  script: fc.array(stepArb(3), { minLength: 1, maxLength: 4 }),
});

const request = requestSpecArb.map((spec) => new RequestCommand(spec));
const release = fc.nat({ max: 7 }).map((index) => new ReleaseCommand(index));
const abort = fc.nat({ max: 7 }).map((index) => new AbortCommand(index));
const advance = fc.oneof(
  fc.constantFrom(1, 500, 999, 1_000, 3_000, 10_000).map((ms) => new AdvanceCommand(ms, 0, 0)),
  fc.tuple(fc.constantFrom(0.5, 1, 2, 4), fc.constantFrom(-1, 0, 1)).map(([factor, delta]) => new AdvanceCommand(undefined, factor, delta)),
);
const steer = fc.oneof({ weight: 1, arbitrary: fc.constant(new IsolateCommand()) }, { weight: 3, arbitrary: fc.constant(new ResetCommand()) });

/** fast-check picks among these uniformly: requests, releases and time dominate; aborts, isolate and reset are rarer. */
export const pipelineCommandArbs: fc.Arbitrary<PipelineCommand>[] = [request, request, request, request, release, release, advance, advance, advance, abort, steer];

export const pipelineConfigArb: fc.Arbitrary<PipelineConfig> = fc.record({
  breaker: configArb,
  retry: fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 5,
      arbitrary: fc.record({
        attempts: fc.integer({ min: 0, max: 3 }),
        maxDelay: fc.constantFrom(2_000, 10_000),
        respectRetryAfter: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        // Small budgets, so a sequence spends them: a floor of 0, 1 or 3 retries per 10 s.
        budget: fc.oneof(fc.constant(false as const), fc.record({ ratio: fc.constantFrom(0, 0.1, 0.5), minPerSecond: fc.constantFrom(0, 0.1, 0.3) })),
      }),
    },
  ),
  bulkhead: fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: fc.record({
        maxConcurrent: fc.integer({ min: 1, max: 3 }),
        maxQueue: fc.integer({ min: 0, max: 2 }),
        queueTimeout: fc.constantFrom(undefined, 500, 5_000),
      }),
    },
  ),
  fallbackValue: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  failureFallback: fc.boolean(),
  onRefusal: fc.constantFrom('throw' as const, 'respond' as const),
});

/** A fresh world; call it with the timers faked (the box reads the faked Date.now). */
export function setupWorld(config: PipelineConfig): { model: World; real: World } {
  const world = new World(config);
  return { model: world, real: world };
}

/**
 * A second generator aimed at one corner the broad one reaches about once in 3,000 sequences:
 * a retry falling due while every half-open probe slot is held (by probes that hang, or that
 * succeeded while the round waits for more) and the round is openDuration old, so the held
 * probes are forfeited. Retryable requests only, many attempts held, time in openDuration steps.
 */
const cornerRequest = fc
  .record({ method: fc.constantFrom('GET' as const, 'PUT' as const), script: fc.array(stepArb(2), { minLength: 1, maxLength: 3 }) })
  .map(({ method, script }) => new RequestCommand({ method, idempotencyKey: false, replayable: true, script }));
const cornerAdvance = fc.tuple(fc.constantFrom(0.5, 1, 1, 2), fc.constantFrom(-1, 0, 1)).map(([factor, delta]) => new AdvanceCommand(undefined, factor, delta));

export const halfOpenCornerCommandArbs: fc.Arbitrary<PipelineCommand>[] = [cornerRequest, cornerRequest, cornerRequest, release, release, cornerAdvance, cornerAdvance, abort];

export const halfOpenCornerConfigArb: fc.Arbitrary<PipelineConfig> = fc.record({
  breaker: fc.record({ failureThreshold: fc.integer({ min: 1, max: 2 }), openDuration: fc.constant(1_000), maxOpenDuration: fc.constantFrom(1_000, 4_000), halfOpenProbes: fc.integer({ min: 1, max: 2 }) }),
  retry: fc.record({
    attempts: fc.integer({ min: 1, max: 2 }),
    maxDelay: fc.constant(10_000),
    respectRetryAfter: fc.boolean(),
    budget: fc.oneof(fc.constant(false as const), fc.constant({ ratio: 0, minPerSecond: 0 }), fc.constant({ ratio: 0.5, minPerSecond: 0.1 })),
  }),
  bulkhead: fc.constantFrom(undefined, { maxConcurrent: 3, maxQueue: 1, queueTimeout: undefined }),
  fallbackValue: fc.boolean(),
  failureFallback: fc.boolean(),
  onRefusal: fc.constantFrom('throw' as const, 'respond' as const),
});
