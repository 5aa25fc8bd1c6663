import type { ClientBase, Pool } from 'pg';
import { clientConfig } from './connection.js';

/** A connection lent to one piece of work; `done(true)` closes it instead of keeping it. */
export interface Lease {
  client: ClientBase;
  done(discard?: boolean): Promise<void>;
}

/** Idle connections close after this; a host that calls again sooner finds one warm. */
const IDLE_MS = 30_000;
/** Per store URL: enough for a host's concurrent callers without a backend per caller. */
const MAX_PER_URL = 8;

/**
 * For a long-lived host of getAccessToken(): connections kept between calls, so a valid token costs
 * one query on a warm connection instead of a connection's start-up, authentication and first
 * catalogue reads (about 25 ms on loopback). Idle ones never keep the host alive (allowExitOnIdle).
 * The schema is checked once per URL and schema while they are kept. The CLI keeps none: a run is
 * one process, and its connection ends with it.
 */
export class KeptConnections {
  private readonly pools = new Map<string, Pool>();
  private readonly current = new Set<string>();

  /** A kept (or new) connection; `ensure` runs on it the first time this schema is seen. */
  async lease(url: string, timeoutMs: number, schema: string, ensure: (client: ClientBase) => Promise<void>): Promise<Lease> {
    const client = await (await this.pool(url, timeoutMs)).connect();
    const lease: Lease = { client, done: async (discard = false) => client.release(discard) };
    const key = `${url}\n${schema}`;
    if (!this.current.has(key)) {
      await ensure(client).catch(async (error: unknown) => {
        await lease.done(true);
        throw error;
      });
      this.current.add(key);
    }
    return lease;
  }

  private async pool(url: string, timeoutMs: number): Promise<Pool> {
    const existing = this.pools.get(url);
    if (existing) return existing;
    const { default: pg } = await import('pg');
    const raced = this.pools.get(url); // another call made it while pg loaded
    if (raced) return raced;
    const pool = new pg.Pool({ ...clientConfig(url, timeoutMs), max: MAX_PER_URL, idleTimeoutMillis: IDLE_MS, allowExitOnIdle: true });
    // An idle connection the server closed (a restart) is dropped by the pool; unheard, the event would crash the host.
    pool.on('error', () => undefined);
    this.pools.set(url, pool);
    return pool;
  }
}
