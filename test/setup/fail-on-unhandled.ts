import { afterAll, afterEach } from 'vitest';

/**
 * Fails the test during which a promise rejection went unhandled (a leaked request, a
 * forgotten `await`). Vitest alone only reports them after the run, and stays silent
 * when any other listener exists, so this listener must do the failing itself.
 */
interface UnhandledState {
  reasons: unknown[];
}

const KEY = Symbol.for('breakerbox.test.unhandled');
const store = globalThis as { [KEY]?: UnhandledState };

// Setup files run once per test file, possibly in the same process: register once.
if (store[KEY] === undefined) {
  const state: UnhandledState = { reasons: [] };
  store[KEY] = state;
  process.on('unhandledRejection', (reason) => {
    state.reasons.push(reason);
  });
}

/** Take (and clear) the rejections seen so far; for the test that checks this setup. */
export function takeUnhandledRejections(): unknown[] {
  return store[KEY]!.reasons.splice(0);
}

function failIfAny(when: string): void {
  const reasons = takeUnhandledRejections();
  if (reasons.length === 0) return;
  const first = reasons[0];
  // A plain Error with the reasons as its cause: vitest shows an AggregateError by its inner errors only, hiding why the test failed.
  const cause = reasons.length === 1 ? first : new AggregateError(reasons);
  throw new Error(`${reasons.length} unhandled rejection(s) ${when}; the first: ${first instanceof Error ? `${first.name}: ${first.message}` : String(first)}`, { cause });
}

afterEach(async () => {
  // A rejection is reported as unhandled only after the microtask queue drains.
  await new Promise((resolve) => setImmediate(resolve));
  failIfAny('during this test');
});

afterAll(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  failIfAny('in this file outside a test');
});
