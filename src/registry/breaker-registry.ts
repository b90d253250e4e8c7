import { Breaker, type BreakerContext } from '../core/breaker.js';
import { resolveHostOptions, type ResolvedHostOptions } from '../core/options.js';
import type { HostOptions } from '../core/types.js';
import { HostMatcher } from './host-matcher.js';
import { hasOrigin } from './origin-key.js';

/** How many recently found breakers {@link BreakerRegistry.lastFor} checks by prefix before the origin is parsed. */
const RECENT = 4;

/**
 * One breaker per origin, created on first use, at most `maxOrigins` at once.
 *
 * Eviction is "second chance" (CLOCK): admissions set a breaker's `touched` bit for the
 * price of one write, and a scan for a victim clears bits as it goes. Idle closed
 * breakers with no failures go first, since forgetting them loses nothing; then any
 * breaker without requests in flight. Isolated breakers are never evicted, since
 * isolation is the user's explicit order, and they are kept apart from the others, so a
 * registry full of them costs nothing to scan when a new origin arrives.
 */
export class BreakerRegistry {
  readonly #breakers = new Map<string, Breaker>();
  /** Isolated breakers: outside `maxOrigins` and outside every eviction scan. */
  readonly #isolated = new Map<string, Breaker>();
  readonly #maxOrigins: number;
  readonly #hosts: HostMatcher;
  readonly #context: BreakerContext;
  /** Resolved once per host entry (and once for the defaults), shared by every breaker that uses it. */
  readonly #resolved = new Map<HostOptions | undefined, ResolvedHostOptions>();
  /** The breaker handed out last: traffic mostly repeats an origin, see {@link lastFor}. */
  #last: Breaker | undefined;
  /** The last few breakers found by origin, for an app that takes turns between a few hosts. */
  readonly #recent: (Breaker | undefined)[] = new Array<Breaker | undefined>(RECENT).fill(undefined);
  #nextRecent = 0;
  /** Breakers in the closed state, kept by {@link noteTransition}: eviction skips its closed-only scan at 0. */
  #closed = 0;

  constructor(defaults: HostOptions, hosts: Record<string, HostOptions>, maxOrigins: number, context: BreakerContext) {
    this.#maxOrigins = maxOrigins;
    this.#context = context;
    this.#hosts = new HostMatcher(hosts);
    // Resolving every entry now means a bad merge (say, a host's maxOpenDuration below the
    // box's openDuration) throws at construction, not on the first request to that host.
    this.#resolved.set(undefined, resolveHostOptions(defaults, undefined));
    for (const [key, host] of Object.entries(hosts)) {
      this.#resolved.set(host, resolveHostOptions(defaults, host, `options.hosts[${JSON.stringify(key)}]`));
    }
  }

  get size(): number {
    return this.#breakers.size + this.#isolated.size;
  }

  /** The breaker of `origin`, if one exists. */
  peek(origin: string): Breaker | undefined {
    return this.#breakers.get(origin) ?? this.#isolated.get(origin);
  }

  /**
   * The last breaker handed out, if `url` belongs to its origin. A prefix check costs a
   * fraction of parsing the origin out of the URL and hashing the new string into the Map.
   * Kept this small so it inlines into the closed path; {@link recentFor} is the next try.
   */
  lastFor(url: string): Breaker | undefined {
    const last = this.#last;
    return last !== undefined && hasOrigin(url, last.origin) ? last : undefined;
  }

  /**
   * One of the last few breakers found, if `url` belongs to its origin, for an app that
   * takes turns between a few hosts: a few prefix checks still cost less than one parse.
   */
  recentFor(url: string): Breaker | undefined {
    const last = this.#last;
    for (const breaker of this.#recent) {
      if (breaker !== undefined && breaker !== last && hasOrigin(url, breaker.origin)) return (this.#last = breaker);
    }
    return undefined;
  }

  #remember(breaker: Breaker): Breaker {
    this.#last = breaker;
    if (!this.#recent.includes(breaker)) {
      this.#recent[this.#nextRecent] = breaker;
      this.#nextRecent = (this.#nextRecent + 1) % RECENT;
    }
    return breaker;
  }

  /** The breaker of `origin`, created (and a victim evicted) if needed. */
  get(origin: string): Breaker {
    const existing = this.#breakers.get(origin) ?? this.#isolated.get(origin);
    if (existing !== undefined) return this.#remember(existing);
    // maxOrigins bounds them all, the isolated ones included, though only the others are scanned for a victim.
    if (this.#breakers.size + this.#isolated.size >= this.#maxOrigins) this.#evictOne();
    // Keep a copy: an origin sliced from a URL is, in V8, a view that holds that whole URL
    // (query string and all) in memory for as long as the breaker lives.
    const key = [...origin].join('');
    const breaker = new Breaker(key, this.#resolved.get(this.#hosts.match(key))!, this.#context);
    this.#breakers.set(key, breaker);
    this.#closed++;
    return this.#remember(breaker);
  }

  /** Every state change of a breaker passes here, so the closed count and the isolated set stay exact. */
  noteTransition(origin: string, from: string, to: string): void {
    if (from === 'closed') this.#closed--;
    if (to === 'closed') this.#closed++;
    if (to === 'isolated') this.#move(origin, this.#breakers, this.#isolated);
    else if (from === 'isolated') this.#move(origin, this.#isolated, this.#breakers);
  }

  *values(): IterableIterator<Breaker> {
    yield* this.#breakers.values();
    yield* this.#isolated.values();
  }

  #move(origin: string, from: Map<string, Breaker>, to: Map<string, Breaker>): void {
    const breaker = from.get(origin);
    if (breaker === undefined) return;
    from.delete(origin);
    to.set(origin, breaker);
  }

  #evictOne(): void {
    // The victim may be the last breaker handed out or a recent one; a stale one must never be served again.
    this.#last = undefined;
    this.#recent.fill(undefined);
    // Skipped when no breaker is closed (say, a flood of failing origins), which would
    // otherwise cost a full scan per new origin.
    if (this.#closed > 0) {
      // Second chance: a touched idle breaker loses its bit and is kept, unless no untouched
      // one turns up, in which case the first one whose bit was cleared goes.
      let cleared: string | undefined;
      for (const [origin, breaker] of this.#breakers) {
        if (breaker.state !== 'closed' || breaker.busy() || breaker.consecutiveFailures > 0) continue;
        if (!breaker.touched) {
          this.#delete(origin, breaker);
          return;
        }
        breaker.touched = false;
        cleared ??= origin;
      }
      if (cleared !== undefined) {
        this.#delete(cleared, this.#breakers.get(cleared)!);
        return;
      }
    }
    let busy: string | undefined;
    for (const [origin, breaker] of this.#breakers) {
      if (!breaker.busy()) {
        this.#delete(origin, breaker);
        return;
      }
      if (!breaker.holdsSlots()) busy ??= origin;
    }
    // Every breaker is busy: forget the oldest anyway (its permits still hold it, so their
    // outcomes land harmlessly; a permit never recorded cannot pin it forever), but never one
    // whose bulkhead holds slots, which a fresh breaker would forget: the cap would not hold.
    // So the registry grows past maxOrigins only by isolated breakers and by origins with
    // requests in their bulkheads, which the pipeline always gives back.
    if (busy !== undefined) this.#delete(busy, this.#breakers.get(busy)!);
  }

  #delete(origin: string, breaker: Breaker): void {
    this.#breakers.delete(origin);
    if (breaker.state === 'closed') this.#closed--;
  }
}
