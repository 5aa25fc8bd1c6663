import { randomBytes } from 'node:crypto';
import { RateLimiter } from './rate-limit.js';
import type { FakeGhlSetup, FakeLocation } from './setup.js';

export { DEFAULT_SETUP, type FakeGhlSetup } from './setup.js';

export type UserType = 'Location' | 'Company';

/** What a token stands for. A Company token has no location: it only mints Location tokens and lists installs. */
export interface TokenGrant {
  userType: UserType;
  scope: string;
  locationId?: string;
}

export interface AccessGrant extends TokenGrant {
  companyId: string;
  expiresAt: number;
}

interface IssuedCode {
  used: boolean;
  locationId: string;
  /** Installed from Agency View: GHL answers a Company token whatever user_type the exchange asks for. */
  agency: boolean;
  scope?: string;
}

const IDS = { userId: 'USER1demo', planId: 'PLANdemo', versionId: 'VERSION1demo' };

/** The accounts side of the stand-in: codes, token pairs, locations, contacts and the limits, as GHL keeps them. */
export class FakeGhlState {
  readonly codes = new Map<string, IssuedCode>();
  /** Refresh token → its grant and how many times it was presented (a live token: 0). */
  readonly refreshTokens = new Map<string, TokenGrant & { uses: number }>();
  readonly accessTokens = new Map<string, AccessGrant>();
  readonly contacts = new Map<string, { id: string; locationId: string; tags: string[] }>();
  /** The company's locations by id, copied from the setup: tests flip `active` and `installed` here. */
  readonly locations: Map<string, FakeLocation>;
  /** Location tokens minted with POST /oauth/locationToken, per location id. */
  readonly mints = new Map<string, number>();
  readonly rateLimits: RateLimiter;
  /** Every secret the stand-in ever issued, so tests can look for leaks. */
  readonly issuedSecrets: string[] = [];
  /**
   * The user's GHL workflow on the health-check contact: trigger "Contact Tag Added", a notification,
   * then "Remove Contact Tag". Every tag *added* (not already on the contact) is one notification.
   */
  readonly notifications: { contactId: string; tag: string }[] = [];
  /**
   * Whether the workflow's "Remove Contact Tag" step runs (false: no such step, or the workflow is off).
   * It runs after the run that added the tag, before the contact is next read, so a test still sees
   * the tag right after a run.
   */
  workflowRemovesTag = true;
  private readonly removalsDue = new Map<string, string[]>();

  constructor(readonly setup: FakeGhlSetup) {
    this.locations = new Map(setup.locations.map((location) => [location.id, { ...location }]));
    this.rateLimits = new RateLimiter(setup.rateLimit);
    this.contacts.set(setup.contactId, { id: setup.contactId, locationId: setup.locationId, tags: [] });
  }

  /** The health-check contact's location is active (a shortcut for its entry in `locations`). */
  get locationActive(): boolean {
    return this.locations.get(this.setup.locationId)?.active ?? false;
  }

  set locationActive(active: boolean) {
    const location = this.locations.get(this.setup.locationId);
    if (location) location.active = active;
  }

  /** The resource of every request refused with 429 for exceeding a limit: empty when a client kept to them. */
  get rateLimited(): readonly string[] {
    return this.rateLimits.refused;
  }

  /** A location of the company that is paused or suspended; a location GHL does not know is not "inactive". */
  isInactive(locationId: string | undefined): boolean {
    return locationId !== undefined && this.locations.get(locationId)?.active === false;
  }

  issueCode(options: { scope?: string; locationId?: string; agency?: boolean } = {}): string {
    const code = this.secret('code');
    this.codes.set(code, { used: false, scope: options.scope, locationId: options.locationId ?? this.setup.locationId, agency: options.agency ?? false });
    return code;
  }

  /** The grant a live code stands for when exchanged with `userType`, without spending it. */
  codeGrant(code: string, userType: string | undefined): TokenGrant | undefined {
    const entry = this.codes.get(code);
    if (!entry || entry.used) return undefined;
    return entry.agency || userType === 'Company' ? { userType: 'Company', scope: entry.scope ?? this.setup.companyScope } : { userType: 'Location', scope: entry.scope ?? this.setup.scope, locationId: entry.locationId };
  }

  /** Single use: the first call answers true, every later one false. */
  redeemCode(code: string): boolean {
    const entry = this.codes.get(code);
    if (!entry || entry.used) return false;
    entry.used = true;
    return true;
  }

  /** The grant of a live refresh token, without spending it. */
  refreshGrant(token: string): TokenGrant | undefined {
    const entry = this.refreshTokens.get(token);
    return entry?.uses === 0 ? entry : undefined;
  }

  /** Rotation: the token is spent whatever happens next; its grant is answered only the first time. */
  spendRefreshToken(token: string): TokenGrant | undefined {
    const entry = this.refreshTokens.get(token);
    if (!entry) return undefined;
    entry.uses += 1;
    return entry.uses === 1 ? entry : undefined;
  }

  /** How many refresh tokens were presented more than once: each is a connection a real GHL would have killed. */
  get refreshTokensSpentTwice(): number {
    return [...this.refreshTokens.values()].filter((entry) => entry.uses > 1).length;
  }

  /** A token response as GHL sends it; also what a test writes into a token file. */
  issueTokens(options: Partial<TokenGrant> = {}): Record<string, unknown> {
    const userType = options.userType ?? 'Location';
    const company = userType === 'Company';
    const grant: TokenGrant = { userType, scope: options.scope ?? (company ? this.setup.companyScope : this.setup.scope), ...(company ? {} : { locationId: options.locationId ?? this.setup.locationId }) };
    const refreshToken = this.secret('rt');
    this.refreshTokens.set(refreshToken, { ...grant, uses: 0 });
    const installed = [...this.locations.values()].filter((location) => location.installed).map((location) => location.id);
    return {
      access_token: this.grantAccess(grant),
      token_type: 'Bearer',
      expires_in: this.setup.accessTokenTtlSeconds,
      refresh_token: refreshToken,
      scope: grant.scope,
      userType,
      companyId: this.setup.companyId,
      ...(company ? { approvedLocations: installed } : { locationId: grant.locationId }),
      userId: IDS.userId,
      planId: IDS.planId,
      isBulkInstallation: company,
      ...(company ? { installToFutureLocations: this.setup.installToFutureLocations, approveAllLocations: installed.length === this.locations.size } : {}),
    };
  }

  /** POST /oauth/locationToken's answer: a Location token without a refresh token, as v2 documents it. */
  mintLocationToken(locationId: string): Record<string, unknown> {
    this.mints.set(locationId, (this.mints.get(locationId) ?? 0) + 1);
    const scope = this.setup.mintedScope;
    const accessToken = this.grantAccess({ userType: 'Location', scope, locationId });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: this.setup.accessTokenTtlSeconds, scope, locationId, planId: IDS.planId, userId: IDS.userId, appId: this.setup.appId, versionId: IDS.versionId };
  }

  accessGrant(token: string): AccessGrant | undefined {
    const grant = this.accessTokens.get(token);
    return grant && grant.expiresAt > Date.now() ? grant : undefined;
  }

  revokeAccessToken(token: string): void {
    this.accessTokens.delete(token);
  }

  /** GET: the workflow's due removals happen first. */
  readContact(id: string): { id: string; locationId: string; tags: string[] } | undefined {
    const contact = this.contacts.get(id);
    if (contact) contact.tags = contact.tags.filter((tag) => !this.removalsDue.get(id)?.includes(tag));
    this.removalsDue.delete(id);
    return contact;
  }

  /** POST: a tag the contact did not have triggers the workflow. */
  addTags(contact: { id: string; tags: string[] }, tags: string[]): void {
    const added = tags.filter((tag) => !contact.tags.includes(tag));
    contact.tags = [...contact.tags, ...new Set(added)];
    for (const tag of added) this.notifications.push({ contactId: contact.id, tag });
    if (this.workflowRemovesTag) this.removalsDue.set(contact.id, [...(this.removalsDue.get(contact.id) ?? []), ...added]);
  }

  removeTags(contact: { tags: string[] }, tags: string[]): void {
    contact.tags = contact.tags.filter((tag) => !tags.includes(tag));
  }

  private grantAccess(grant: TokenGrant): string {
    const token = this.secret('at');
    this.accessTokens.set(token, { ...grant, companyId: this.setup.companyId, expiresAt: Date.now() + this.setup.accessTokenTtlSeconds * 1000 });
    return token;
  }

  private secret(kind: string): string {
    const value = `${kind}-${randomBytes(18).toString('hex')}`;
    this.issuedSecrets.push(value);
    return value;
  }
}
