import { GhlAuthError, hasCode } from '../errors.js';
import { FileRefused, refusedOwnFile } from '../files/small-file.js';
import { mintLocationToken, type LocationToken } from '../oauth/location-token.js';
import { mergeLocationTokens, readLocationTokens } from '../store/location-token-cache.js';
import type { StoredTokens } from '../tokens/stored-tokens.js';
import { reauthorizeOn401, REFRESHED, refreshAfterRejection, type LifecycleDeps } from './obtain.js';

/** The deadline and client of one part of a run (a location's check), which grants within it use. */
export type Scope = Pick<LifecycleDeps, 'http' | 'deadline'>;

/**
 * Location tokens for an agency install: taken from the cache while they outlive `minTtlSeconds`,
 * else minted from the Company token (which has no refresh token to spend: minting is always safe).
 * If GHL rejects the Company access token, it is refreshed once per run, whoever asked first; the rest wait.
 */
export class LocationTokens {
  private readonly minted: LocationToken[] = [];
  private readonly inFlight = new Map<string, Promise<LocationToken>>();
  private companyRefresh: Promise<StoredTokens> | undefined;
  private company: StoredTokens;

  private constructor(
    private readonly deps: LifecycleDeps,
    private readonly companyAtStart: StoredTokens,
    private readonly cached: Map<string, LocationToken>,
    private readonly minTtlSeconds: number,
  ) {
    this.company = companyAtStart;
  }

  /** Reads the cache without the lock: it is only ever replaced whole, by an atomic rename. */
  static async load(deps: LifecycleDeps, company: StoredTokens, minTtlSeconds = deps.config.refreshMarginSeconds): Promise<LocationTokens> {
    const { tokens, problem } = await readLocationTokens(deps.config.tokensFile);
    if (problem) deps.log.warn(`the Location token cache ${problem}; minting new Location tokens (nothing is lost)`);
    const companyId = company.token.companyId;
    const usable = new Map([...tokens].filter(([, token]) => token.companyId === companyId));
    return new LocationTokens(deps, company, usable, minTtlSeconds);
  }

  get companyId(): string {
    const { companyId } = this.company.token;
    if (!companyId) throw new GhlAuthError('ghl_unexpected_response', 'the stored Company token has no companyId, so no Location token can be minted: re-authorize (ghl-auth login --force)');
    return companyId;
  }

  /** How many Location tokens this run minted. */
  get mintedCount(): number {
    return this.minted.length;
  }

  /** A Location token for `locationId` that outlives the minimum lifetime; `scope`: the deadline and client of the caller's part of the run. */
  tokenFor(locationId: string, scope: Scope = this.deps): Promise<LocationToken> {
    const cached = this.cached.get(locationId);
    if (cached && Date.parse(cached.expiresAt) - this.deps.now() > this.minTtlSeconds * 1000) return Promise.resolve(cached);
    return this.mint(locationId, scope);
  }

  /** GHL rejected `token`: a fresh one is minted, unless another caller already replaced it. */
  rejected(locationId: string, token: LocationToken, scope: Scope = this.deps): Promise<LocationToken> {
    const current = this.cached.get(locationId);
    if (current && current.accessToken !== token.accessToken) return Promise.resolve(current);
    this.cached.delete(locationId);
    return this.mint(locationId, scope);
  }

  /** Saves what this run minted, under the token file's lock; a failure costs only new mints next run. */
  async persist(): Promise<void> {
    if (this.minted.length === 0) return;
    const { store, config, log, now } = this.deps;
    await store.withLock(() => mergeLocationTokens(config.tokensFile, this.minted, now())).catch((error: unknown) => {
      const again = 'the next run mints them again';
      if (error instanceof FileRefused) log.warn(`the minted Location tokens could not be cached: ${refusedOwnFile(error)}; ${again}`);
      else log.warn({ error: (error as NodeJS.ErrnoException).code ?? String(error) }, `the minted Location tokens could not be cached; ${again}`);
    });
  }

  /**
   * Calls `call` with the Company access token. If GHL rejects it, the token is refreshed once per
   * run (only the one this run started with: a rejected refreshed token needs a human) and `call` retried.
   */
  async withCompanyToken<T>(call: (companyToken: string) => Promise<T>, scope: Scope = this.deps): Promise<T> {
    const used = this.company;
    try {
      return await call(used.token.access_token);
    } catch (error) {
      if (!hasCode(error, 'access_token_rejected') || used !== this.companyAtStart) throw reauthorizeOn401(error, REFRESHED);
      const refreshed = await this.refreshCompany(used, scope);
      return call(refreshed.token.access_token).catch((again: unknown) => Promise.reject(reauthorizeOn401(again, REFRESHED)));
    }
  }

  /**
   * One refresh of the Company token per run, whichever mint met the 401 first; the others wait for it.
   * It runs within the deadline of the location that met the 401: a long agency run is past its first one.
   */
  private refreshCompany(rejected: StoredTokens, scope: Scope): Promise<StoredTokens> {
    if (!this.companyRefresh) {
      this.deps.log.warn('GHL rejected the Company access token we believed valid: refreshing it once');
      this.companyRefresh = refreshAfterRejection({ ...this.deps, ...scope }, rejected.token.access_token).then((company) => (this.company = company));
    }
    return this.companyRefresh;
  }

  private mint(locationId: string, scope: Scope): Promise<LocationToken> {
    let pending = this.inFlight.get(locationId);
    if (!pending) {
      pending = this.mintOnce(locationId, scope).finally(() => this.inFlight.delete(locationId));
      this.inFlight.set(locationId, pending);
    }
    return pending;
  }

  private async mintOnce(locationId: string, scope: Scope): Promise<LocationToken> {
    const token = await this.withCompanyToken((companyToken) => mintLocationToken(scope.http, companyToken, this.companyId, locationId, this.deps.now), scope);
    this.cached.set(locationId, token);
    this.minted.push(token);
    return token;
  }
}
