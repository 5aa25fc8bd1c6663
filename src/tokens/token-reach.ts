import { approvedLocationsOf, tokenTypeOf, type StoredTokens, type TokenType } from './stored-tokens.js';

/** Which locations a token reaches, as login, exchange, import and status show it. */
export interface TokenReach {
  tokenType: TokenType;
  /** How many locations a Company token was approved for at install; null: a Location token, or GHL sent no list. */
  approvedLocationCount: number | null;
  /** GHL_LOCATION_ID, null when not set. */
  configuredLocationId: string | null;
  /** Whether GHL_LOCATION_ID is among the approved locations; null when either is unknown. */
  configuredLocationApproved: boolean | null;
}

export function reachOf(stored: StoredTokens, configuredLocationId: string | undefined): TokenReach {
  const tokenType = tokenTypeOf(stored);
  const approved = tokenType === 'Company' ? approvedLocationsOf(stored) : undefined;
  return {
    tokenType,
    approvedLocationCount: approved ? approved.length : null,
    configuredLocationId: configuredLocationId ?? null,
    configuredLocationApproved: approved && configuredLocationId ? approved.includes(configuredLocationId) : null,
  };
}

/** One line: "Company (agency install): 12 location(s) approved at install, GHL_LOCATION_ID LOC1 among them". */
export function describeReach(reach: TokenReach, tokenLocationId: string | null | undefined): string {
  if (reach.tokenType === 'Location') return `Location (reaches ${tokenLocationId ?? 'its own location'} only)`;
  if (reach.approvedLocationCount === null) return 'Company (agency install): approved locations not reported';
  const configured = reach.configuredLocationId ? `GHL_LOCATION_ID ${reach.configuredLocationId} ${reach.configuredLocationApproved ? 'among them' : 'NOT among them'}` : 'GHL_LOCATION_ID not set';
  return `Company (agency install): ${reach.approvedLocationCount} location(s) approved at install, ${configured}`;
}

/**
 * Whom GHL issued the token to, as a label and its value: a Location token's location (and company),
 * or a Company token's company: it has no location, so "location (none)" would hide what it is.
 */
export function holderOf(ids: { locationId?: string | null; companyId?: string | null }, tokenType: TokenType): ['location' | 'company', string] {
  if (tokenType === 'Company') return ['company', ids.companyId ?? '(not reported)'];
  return ['location', `${ids.locationId ?? '(none)'}${ids.companyId ? ` (company ${ids.companyId})` : ''}`];
}

/** login's page in one phrase: "location LOC1 (company C1)", "company C1 (agency install: 3 location(s) approved)". */
export function describeAuthorized(stored: StoredTokens): string {
  const reach = reachOf(stored, undefined);
  const [label, value] = holderOf(stored.token, reach.tokenType);
  if (reach.tokenType === 'Location') return `${label} ${value}`;
  return `${label} ${value} (agency install${reach.approvedLocationCount === null ? '' : `: ${reach.approvedLocationCount} location(s) approved`})`;
}
