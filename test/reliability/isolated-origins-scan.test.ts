/**
 * Issue 10: a new origin must stay cheap however many breakers are isolated. Isolated
 * breakers are never evicted, so a registry full of them outgrows `maxOrigins`; each new
 * origin then must not walk all of them to find a victim.
 *
 * 0.1 scanned the whole registry twice per new origin: 36 µs each with 1,000 isolated
 * breakers, 336 µs with 20,000. This test counts instead of timing: every step of every Map
 * iterator while the new origins are admitted (the registry is a Map; its eviction scan is a
 * `for...of` over it), so the cost is measured in entries visited, free of machine noise.
 */
import { describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';

const NEW_ORIGINS = 1_000;

/** Map iterator steps taken while `work` runs (every Map's, so the count is an upper bound of the registry's). */
function countMapSteps(work: () => void): number {
  const prototype = Object.getPrototypeOf(new Map().entries()) as { next: (this: Iterator<unknown>) => IteratorResult<unknown> };
  const next = prototype.next;
  let steps = 0;
  prototype.next = function countedNext(this: Iterator<unknown>) {
    steps++;
    return next.call(this);
  };
  try {
    work();
  } finally {
    prototype.next = next;
  }
  return steps;
}

/** Entries visited per new origin, with `isolated` isolated breakers already in the box (default maxOrigins 1000). */
function stepsPerNewOrigin(isolated: number): number {
  const box = createBreakerBox();
  for (let i = 0; i < isolated; i++) box.isolate(`https://isolated-${i}.example.com`);
  const steps = countMapSteps(() => {
    for (let i = 0; i < NEW_ORIGINS; i++) {
      const permit = box.admit(`https://new-${i}.example.com/`);
      if (!permit.allowed) throw new Error('a new origin must be admitted');
      permit.record({ kind: 'response', status: 200, headers: {} });
    }
  });
  // The isolated ones are all still there: isolation is the user's order, never evicted.
  expect(box.snapshot().filter((entry) => entry.state === 'isolated')).toHaveLength(isolated);
  return steps / NEW_ORIGINS;
}

describe('many isolated breakers', () => {
  it('the counter sees iteration: a full Map walk is counted entry by entry', () => {
    const map = new Map(Array.from({ length: 500 }, (_, i) => [i, i]));
    expect(countMapSteps(() => {
      for (const entry of map) void entry;
    })).toBe(501);
  });

  it('admitting 1,000 new origins does not scan the 20,000 isolated breakers each time (per new origin: < 5x the steps with 100 isolated)', () => {
    const few = stepsPerNewOrigin(100);
    const many = stepsPerNewOrigin(20_000);
    console.log(`Map entries visited per new origin: ${few.toFixed(1)} with 100 isolated breakers, ${many.toFixed(1)} with 20,000`);
    expect(many).toBeLessThan(5 * Math.max(few, 1));
  }, 60_000);
});
