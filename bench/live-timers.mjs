/**
 * Counts the timers created from now on that are still alive, unref'd ones included (which
 * `process.getActiveResourcesInfo()`, ref'd handles only, does not list). Used by the
 * memory sections: an idle box, and finished requests, must leave none.
 */
import { createHook } from 'node:async_hooks';

/** Start counting; `count()` reads how many are alive, `stop()` ends the counting. */
export function trackTimers() {
  const live = new Set();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout') live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    count: () => live.size,
    stop: () => hook.disable(),
  };
}
