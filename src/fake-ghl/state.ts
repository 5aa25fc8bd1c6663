import { randomBytes } from 'node:crypto';

/** The accounts side of the stand-in: apps, codes, token pairs and contacts, as GHL's contract has them. */
export interface FakeGhlSetup {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  locationId: string;
  companyId: string;
  contactId: string;
  scope: string;
  /** Lifetime of issued access tokens, as GHL's expires_in. */
  accessTokenTtlSeconds: number;
}

export const DEFAULT_SETUP: FakeGhlSetup = {
  clientId: 'demo-client-id',
  clientSecret: 'demo-client-secret-0123456789',
  redirectUri: 'http://localhost:3000/oauth/callback',
  locationId: 'LOC123demo',
  companyId: 'COMP456demo',
  contactId: 'CONTACT789demo',
  scope: 'contacts.readonly contacts.write',
  accessTokenTtlSeconds: 86_399,
};

interface AccessGrant {
  locationId: string;
  scope: string;
  expiresAt: number;
}

export class FakeGhlState {
  readonly codes = new Map<string, { used: boolean; scope: string; locationId: string }>();
  /** Refresh token → its grant and how many times it was presented (a live token: 0). */
  readonly refreshTokens = new Map<string, { uses: number; scope: string; locationId: string }>();
  readonly accessTokens = new Map<string, AccessGrant>();
  readonly contacts = new Map<string, { id: string; locationId: string; tags: string[] }>();
  /** Every secret the stand-in ever issued, so tests can look for leaks. */
  readonly issuedSecrets: string[] = [];
  locationActive = true;
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
    this.contacts.set(setup.contactId, { id: setup.contactId, locationId: setup.locationId, tags: [] });
  }

  issueCode(options: { scope?: string; locationId?: string } = {}): string {
    const code = this.secret('code');
    this.codes.set(code, { used: false, scope: options.scope ?? this.setup.scope, locationId: options.locationId ?? this.setup.locationId });
    return code;
  }

  /** A token response as GHL sends it; also what a test writes into a token file. */
  issueTokens(options: { scope?: string; locationId?: string } = {}): Record<string, unknown> {
    const scope = options.scope ?? this.setup.scope;
    const locationId = options.locationId ?? this.setup.locationId;
    const accessToken = this.secret('at');
    const refreshToken = this.secret('rt');
    this.accessTokens.set(accessToken, { locationId, scope, expiresAt: Date.now() + this.setup.accessTokenTtlSeconds * 1000 });
    this.refreshTokens.set(refreshToken, { uses: 0, scope, locationId });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.setup.accessTokenTtlSeconds,
      refresh_token: refreshToken,
      scope,
      userType: 'Location',
      companyId: this.setup.companyId,
      locationId,
      userId: 'USER1demo',
      planId: 'PLANdemo',
      isBulkInstallation: false,
    };
  }

  /** Single use: the first call answers the code's grant, every later one undefined. */
  redeemCode(code: string): { scope: string; locationId: string } | undefined {
    const entry = this.codes.get(code);
    if (!entry || entry.used) return undefined;
    entry.used = true;
    return entry;
  }

  /** Rotation: the token is spent whatever happens next; its grant is answered only the first time. */
  spendRefreshToken(token: string): { scope: string; locationId: string } | undefined {
    const entry = this.refreshTokens.get(token);
    if (!entry) return undefined;
    entry.uses += 1;
    return entry.uses === 1 ? entry : undefined;
  }

  /** How many refresh tokens were presented more than once: each is a connection a real GHL would have killed. */
  get refreshTokensSpentTwice(): number {
    return [...this.refreshTokens.values()].filter((entry) => entry.uses > 1).length;
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

  accessGrant(token: string): AccessGrant | undefined {
    const grant = this.accessTokens.get(token);
    return grant && grant.expiresAt > Date.now() ? grant : undefined;
  }

  revokeAccessToken(token: string): void {
    this.accessTokens.delete(token);
  }

  private secret(kind: string): string {
    const value = `${kind}-${randomBytes(18).toString('hex')}`;
    this.issuedSecrets.push(value);
    return value;
  }
}
