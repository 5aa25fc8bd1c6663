import type { RateLimit } from './setup.js';

export interface RateLimitVerdict {
  allowed: boolean;
  /** GHL's X-RateLimit-* headers for this answer. */
  headers: Record<string, string>;
}

interface Usage {
  /** Times of the requests allowed within the last interval. */
  recent: number[];
  day: string;
  today: number;
}

/**
 * GHL's limits per app per resource: a burst of `max` requests in any `intervalMs` (a sliding window,
 * the strictest reading of "100 per 10 seconds") and `daily` per calendar day (UTC). A refused request
 * is not counted against either.
 */
export class RateLimiter {
  /** The resource of every request refused with 429, in order: a client that honours the limits leaves it empty. */
  readonly refused: string[] = [];
  private readonly usage = new Map<string, Usage>();

  constructor(private readonly limit: RateLimit) {}

  take(resource: string, now = Date.now()): RateLimitVerdict {
    const day = new Date(now).toISOString().slice(0, 10);
    const usage = this.usage.get(resource) ?? { recent: [], day, today: 0 };
    this.usage.set(resource, usage);
    if (usage.day !== day) Object.assign(usage, { day, today: 0 });
    usage.recent = usage.recent.filter((at) => at > now - this.limit.intervalMs);
    const allowed = usage.recent.length < this.limit.max && usage.today < this.limit.daily;
    if (allowed) {
      usage.recent.push(now);
      usage.today += 1;
    } else {
      this.refused.push(resource);
    }
    return { allowed, headers: this.headers(this.limit.max - usage.recent.length, this.limit.daily - usage.today) };
  }

  /** Without arguments: the fixed headers of answers counted on no resource, e.g. the token endpoint's. */
  headers(remaining = this.limit.max - 1, dailyRemaining = this.limit.daily - 1): Record<string, string> {
    return {
      'X-RateLimit-Max': String(this.limit.max),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Interval-Milliseconds': String(this.limit.intervalMs),
      'X-RateLimit-Limit-Daily': String(this.limit.daily),
      'X-RateLimit-Daily-Remaining': String(dailyRemaining),
    };
  }
}
