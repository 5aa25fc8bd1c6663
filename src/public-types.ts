/**
 * The shapes other programs see, from `ghl-auth token --json` and `getAccessToken()`. No imports, so
 * the package's type declarations need none of the bundled packages.
 */

/** A usable access token and what it is for. */
export interface AccessToken {
  /** Send as `Authorization: Bearer <accessToken>`. A secret: never log it. */
  accessToken: string;
  /** ISO 8601; at least the asked-for minimum lifetime ahead when it was handed out. */
  expiresAt: string;
  locationId: string;
  companyId: string | null;
  /** As GHL sent it (`Location`); null when GHL sent none. */
  userType: string | null;
  scopes: string[];
}

export interface GetAccessTokenOptions {
  /** The .env file to load (default: GHL_ENV_FILE, else `.env` in `cwd`). */
  envFile?: string;
  /** The location the token must be for (default: GHL_LOCATION_ID; unset: whichever the token is for). */
  location?: string;
  /** Refresh first when the token expires within this many seconds, 0 to 43200 (default: GHL_REFRESH_MARGIN_SECONDS). */
  minTtlSeconds?: number;
  /** Laid over the .env file, as the process environment is by the CLI (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Where relative paths (.env, GHL_TOKENS_FILE) are resolved (default: process.cwd()). */
  cwd?: string;
}
