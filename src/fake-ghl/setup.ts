/** One sub-account of the agency, as the stand-in keeps it. */
export interface FakeLocation {
  id: string;
  name: string;
  address: string;
  /** false: GHL answers "Location is not active" (a paused or suspended sub-account). */
  active: boolean;
  /** Whether the app is installed here: only installed locations get Location tokens minted. */
  installed: boolean;
}

/** GHL's per-app, per-resource limits (a resource is one location or one company). */
export interface RateLimit {
  max: number;
  intervalMs: number;
  daily: number;
}

/** The accounts side of the stand-in: the app, the agency and its locations, as GHL's contract has them. */
export interface FakeGhlSetup {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** The health-check contact's location: Location installs are for it unless a test says otherwise. */
  locationId: string;
  companyId: string;
  contactId: string;
  /** Scope of Location tokens from the code exchange and refresh. */
  scope: string;
  /** Scope of Company tokens (an agency install). */
  companyScope: string;
  /** Scope of Location tokens minted from a Company token with POST /oauth/locationToken. */
  mintedScope: string;
  /** GHL client ids have the form `<appId>-<suffix>`; by default the appId is that prefix. */
  appId: string;
  /** The company's locations at start (the live ones are the state's); `locationId` must be one of them. */
  locations: FakeLocation[];
  installToFutureLocations: boolean;
  rateLimit: RateLimit;
  /** Lifetime of issued access tokens, as GHL's expires_in. */
  accessTokenTtlSeconds: number;
}

const DEMO_LOCATION: FakeLocation = { id: 'LOC123demo', name: 'Demo Location', address: '1 Demo Street, Springfield', active: true, installed: true };

export const DEFAULT_SETUP: FakeGhlSetup = {
  clientId: 'demo-client-id',
  clientSecret: 'demo-client-secret-0123456789',
  redirectUri: 'http://localhost:3000/oauth/callback',
  locationId: DEMO_LOCATION.id,
  companyId: 'COMP456demo',
  contactId: 'CONTACT789demo',
  scope: 'contacts.readonly contacts.write',
  companyScope: 'contacts.readonly contacts.write locations.readonly oauth.readonly oauth.write',
  mintedScope: 'contacts.readonly contacts.write locations.readonly',
  appId: 'demo',
  locations: [DEMO_LOCATION],
  installToFutureLocations: false,
  rateLimit: { max: 100, intervalMs: 10_000, daily: 200_000 },
  accessTokenTtlSeconds: 86_399,
};

/**
 * The defaults under a test's overrides. The app id follows an overridden client id, and the one default
 * location follows an overridden location id, so a test that changes one does not have to change both.
 */
export function resolveSetup(overrides: Partial<FakeGhlSetup>): FakeGhlSetup {
  const setup = { ...DEFAULT_SETUP, ...overrides };
  if (!overrides.appId) setup.appId = setup.clientId.split('-')[0] ?? setup.clientId;
  if (!overrides.locations) setup.locations = [{ ...DEMO_LOCATION, id: setup.locationId }];
  if (!setup.locations.some((location) => location.id === setup.locationId)) {
    throw new Error(`fake GHL setup: locationId ${setup.locationId} is not among the ${setup.locations.length} locations`);
  }
  return setup;
}

/**
 * An agency of `count` locations for tests, the demo and the benchmark. The first is the default location
 * (the health-check contact's); `inactive` and `notInstalled` pick locations by index.
 */
export function agencyLocations(count: number, options: { inactive?: number[]; notInstalled?: number[] } = {}): FakeLocation[] {
  return Array.from({ length: count }, (_, index) => ({
    ...(index === 0 ? DEMO_LOCATION : { id: `LOC${String(index + 1).padStart(4, '0')}agency`, name: `Location ${index + 1}`, address: `${index + 1} Agency Road, Springfield` }),
    active: !options.inactive?.includes(index),
    installed: !options.notInstalled?.includes(index),
  }));
}
