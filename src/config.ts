import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { z } from 'zod';
import { GhlAuthError } from './errors.js';
import { ONE_MIB, readSmallFileSync, type FileRefused } from './files/small-file.js';
import { GHL_ID } from './ghl-id.js';

export const DEFAULT_API_BASE_URL = 'https://services.leadconnectorhq.com';
export const DEFAULT_TAG_NAME = 'Status:Online-AuthService';
export const DEFAULT_AUTHORIZE_URL = 'https://marketplace.gohighlevel.com/v2/oauth/chooselocation';
/** What the health check needs: read a contact, add a tag. */
export const CHECK_SCOPES = ['contacts.readonly', 'contacts.write'] as const;

/** Blank values count as unset, so `GHL_CLIENT_ID=` is reported as missing rather than accepted. */
const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalText = z.preprocess(blank, z.string().trim().optional());
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** axios would send user:pw@ as Basic auth instead of the Bearer token; a query or fragment would corrupt every path. */
const apiBaseUrl = httpUrl.refine((value) => {
  const url = URL.canParse(value) ? new URL(value) : undefined; // an unparsable value is reported by httpUrl
  return !url || (!url.username && !url.password && !/[?#]/.test(value));
}, 'must be a plain base URL: no user:password@, no ?query, no #fragment');
/** Bounded: a value past Node's timer limit (about 24 days) would fire at once, and none makes sense that long. */
const seconds = (fallback: number, max: number, why: string) =>
  z.preprocess(
    blank,
    z.coerce
      .number({ error: 'must be a number of seconds' })
      .int('must be a whole number of seconds')
      .positive('must be positive')
      .max(max, `must be at most ${max} seconds (${why})`)
      .default(fallback),
  );
const ghlId = (what: string, urlPart: RegExp) =>
  z.preprocess(
    blank,
    z
      .string()
      .trim()
      .regex(GHL_ID, {
        // The id found in a pasted URL is shown (ids are no secret); anything else is not echoed.
        error: (issue) => {
          const inUrl = urlPart.exec(String(issue.input))?.[1];
          return `must be a ${what} id (letters, digits, _ or -, at most 64)${inUrl ? `, not a URL: use ${inUrl}` : ''}`;
        },
      })
      .optional(),
  );

/** A Postgres URL selects the shared store; the password stays in it (and in the run's secrets), never in messages. */
const storeUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres://user:password@host:5432/database URL' });
/** Quoted into SQL as an identifier, so only plain lower-case names. */
const schemaName = z.string().trim().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a plain schema name (lower-case letters, digits, _)');
/** base64 of exactly 32 bytes (AES-256); checked here so a wrong length is a configuration error, not a failed decrypt. */
const tokenKey = z.string().trim().refine((value) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32, 'must be base64 of 32 random bytes (openssl rand -base64 32)');

const LOCATION_IN_URL = /\/location\/([A-Za-z0-9_-]{1,64})(?:[/?#]|$)/;
/** Locations checked at once: GHL allows 100 requests per 10 s per app and company, and each location costs 2 or 3. */
export const MAX_CONCURRENCY = 50;

/** Which locations one `check` run covers: every installed one, or a list. */
export type LocationSelection = 'all' | string[];

/** GHL_CHECK_LOCATIONS as read: the locations, and the health-check contacts of those given one (`location:contact`). */
interface LocationList {
  selection: LocationSelection;
  contacts: Record<string, string>;
}

const LIST_FORMAT = "must be 'all' or location ids separated by commas, each optionally with its own health-check contact as LOCATION:CONTACT";

/** `all` and/or ids separated by commas or spaces, each as GHL_LOCATION_ID takes it, optionally `:contact id`. */
function parseLocationList(value: string, context: z.RefinementCtx): LocationList {
  const entries = [...new Set(value.split(/[\s,]+/).filter(Boolean))];
  const contacts: Record<string, string> = {};
  const ids: string[] = [];
  let all = false;
  for (const entry of entries) {
    if (entry.toLowerCase() === 'all') {
      all = true;
      continue;
    }
    const [id = '', contact, extra] = entry.includes('://') ? [entry] : entry.split(':');
    if (!GHL_ID.test(id) || (contact !== undefined && !GHL_ID.test(contact)) || extra !== undefined) {
      const inUrl = LOCATION_IN_URL.exec(entry)?.[1];
      context.addIssue({ code: 'custom', message: `${LIST_FORMAT}${inUrl ? `; not a URL: use ${inUrl}` : ` ('${entry.slice(0, 70)}' is not one)`}` });
      continue;
    }
    if (!ids.includes(id)) ids.push(id);
    if (contact !== undefined) contacts[id] = contact;
  }
  return { selection: all ? 'all' : ids, contacts };
}

const schema = z.object({
  GHL_CLIENT_ID: optionalText,
  GHL_CLIENT_SECRET: optionalText,
  GHL_REDIRECT_URI: z.preprocess(blank, httpUrl.optional()),
  GHL_LOCATION_ID: ghlId('location', LOCATION_IN_URL),
  GHL_CHECK_LOCATIONS: z.preprocess(blank, z.string().trim().transform(parseLocationList).optional()),
  GHL_APP_ID: ghlId('app', /\/app\/([A-Za-z0-9_-]{1,64})(?:[/?#]|$)/),
  GHL_CHECK_CONCURRENCY: z.preprocess(
    blank,
    z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(MAX_CONCURRENCY, `must be at most ${MAX_CONCURRENCY}`).default(5),
  ),
  GHL_HEALTH_CHECK_CONTACT_ID: ghlId('contact', /\/contacts\/detail\/([A-Za-z0-9_-]{1,64})(?:[/?#]|$)/),
  GHL_HEALTH_CHECK_TAG_NAME: z.preprocess(blank, z.string().trim().default(DEFAULT_TAG_NAME)),
  MICROSERVICE_NAME: z.preprocess(blank, z.string().trim().default('ghl-auth')),
  GHL_AUTHORIZATION_CODE: optionalText,
  GHL_TOKENS_FILE: z.preprocess(blank, z.string().trim().default('./ghl_tokens.json')),
  GHL_TOKEN_STORE: z.preprocess(blank, storeUrl.optional()),
  GHL_TOKEN_STORE_SCHEMA: z.preprocess(blank, schemaName.default('ghl_auth')),
  GHL_TOKEN_KEY: z.preprocess(blank, tokenKey.optional()),
  GHL_API_BASE_URL: z.preprocess(blank, apiBaseUrl.default(DEFAULT_API_BASE_URL)),
  GHL_AUTHORIZE_URL: z.preprocess(blank, httpUrl.default(DEFAULT_AUTHORIZE_URL)),
  GHL_SCOPES: z.preprocess(blank, z.string().trim().default(CHECK_SCOPES.join(' '))),
  GHL_USER_TYPE: z.preprocess(blank, z.enum(['Location', 'Company'], { error: "must be 'Location' or 'Company'" }).default('Location')),
  GHL_REFRESH_MARGIN_SECONDS: seconds(300, 43_200, "half of GHL's 24 h access token life"),
  GHL_CHECK_TIMEOUT_SECONDS: seconds(60, 3_600, 'an hour'),
  // 3000: above the worst case of 200 locations at the defaults, (1 + 200 / 5) x 60 s; with a last check's 60 s, within an hourly cron's hour.
  GHL_RUN_TIMEOUT_SECONDS: seconds(3_000, 86_400, 'a day, the longest cron interval'),
  LOG_LEVEL: z.preprocess(
    blank,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  ),
  GHL_ALERT_WEBHOOK_URL: z.preprocess(blank, httpUrl.optional()),
  GHL_ALERT_ON_RECOVERY: z.preprocess(blank, z.stringbool({ error: "must be 'true' or 'false'" }).default(false)),
  GHL_HEALTHCHECKS_URL: z.preprocess(blank, httpUrl.optional()),
  GHL_METRICS_FILE: optionalText,
});

/**
 * Every setting; the ones only some commands need are optional here. A command names what it needs
 * (a Requirement) and gets a ConfigWith<those>, in which they are plain strings.
 */
export interface Config {
  clientId: string | undefined;
  clientSecret: string | undefined;
  redirectUri: string | undefined;
  locationId: string | undefined;
  contactId: string | undefined;
  tagName: string;
  serviceName: string;
  authorizationCode: string | undefined;
  /** Absolute, resolved against the working directory. With a Postgres store: where local companions (kept pairs, caches) go. */
  tokensFile: string;
  /** GHL_TOKEN_STORE: a postgres:// URL (a secret: its password), or undefined for the token file. */
  tokenStore: string | undefined;
  tokenStoreSchema: string;
  /** GHL_TOKEN_KEY, base64 of 32 bytes: tokens in the Postgres row are encrypted with it (a secret). */
  tokenKey: string | undefined;
  apiBaseUrl: string;
  /** The consent page `login` and `authorize-url` send the user to (white-label apps: marketplace.leadconnectorhq.com). */
  authorizeUrl: string;
  /** Space-separated, as GHL's authorization URL takes them. */
  scopes: string;
  userType: 'Location' | 'Company';
  /** GHL_CHECK_LOCATIONS: undefined means GHL_LOCATION_ID alone (or the Location token's own location). */
  checkLocations: LocationSelection | undefined;
  /** Locations of GHL_CHECK_LOCATIONS given a health-check contact of their own: read and tagged like GHL_LOCATION_ID's. */
  locationContacts: Record<string, string>;
  /** GHL_APP_ID: for `all`; undefined means the `<appId>-` prefix of the client id. */
  appId: string | undefined;
  /** How many locations one run checks at once. */
  checkConcurrency: number;
  refreshMarginSeconds: number;
  checkTimeoutSeconds: number;
  /** No location check starts after this many seconds of a run; those under way keep their own deadline. */
  runTimeoutSeconds: number;
  logLevel: string;
  /** Where a failed run POSTs its alert (a secret: never logged in full). */
  alertWebhookUrl: string | undefined;
  alertOnRecovery: boolean;
  /** A healthchecks.io-style ping URL (a secret: never logged in full). */
  healthchecksUrl: string | undefined;
  /** Absolute; a Prometheus text file for node_exporter's textfile collector. */
  metricsFile: string | undefined;
}

/** What a run needs to report its outcome: alerts, pings, metrics and the last-run record. */
export type MonitoringSettings = Pick<Config, 'serviceName' | 'logLevel' | 'locationId' | 'tokensFile' | 'alertWebhookUrl' | 'alertOnRecovery' | 'healthchecksUrl' | 'metricsFile'>;

/** Variables some commands cannot run without, and the Config field each one fills. */
interface RequiredField {
  GHL_CLIENT_ID: 'clientId';
  GHL_CLIENT_SECRET: 'clientSecret';
  GHL_HEALTH_CHECK_CONTACT_ID: 'contactId';
  GHL_REDIRECT_URI: 'redirectUri';
}

export type Requirement = keyof RequiredField;
/** The config of a command that required `R`: those fields are known to be set. */
export type ConfigWith<R extends Requirement> = Config & { [K in R as RequiredField[K]]: string };
/** What every command that talks to GHL's token endpoint needs. */
export const CREDENTIALS = ['GHL_CLIENT_ID', 'GHL_CLIENT_SECRET'] as const satisfies readonly Requirement[];
export type Credentials = (typeof CREDENTIALS)[number];

export type Env = Record<string, string | undefined>;

/**
 * Reads the .env file (if any) and lays the process environment over it: a variable set in the
 * environment wins, as with dotenv. An env file named explicitly must exist; the default may not.
 */
export function readEnv(processEnv: Env, envFileFlag: string | undefined, cwd: string): { env: Env; envFile: string | undefined; fileVariables: string[] } {
  const named = envFileFlag ?? blank(processEnv.GHL_ENV_FILE);
  const path = resolve(cwd, typeof named === 'string' ? named : '.env');
  let content: Buffer | null;
  try {
    content = readSmallFileSync(path, { maxBytes: ONE_MIB, followSymlinks: true });
  } catch (error) {
    throw badEnvFile(path, (error as FileRefused).why);
  }
  if (content === null) {
    if (named === undefined) return { env: { ...processEnv }, envFile: undefined, fileVariables: [] };
    throw badEnvFile(path, 'does not exist');
  }
  // dotenv itself drops a leading BOM (as editors on Windows save it) and reads CRLF line endings.
  const fileVars = parse(content.toString('utf8'));
  return { env: { ...fileVars, ...processEnv }, envFile: path, fileVariables: Object.keys(fileVars) };
}

const badEnvFile = (path: string, why: string) => new GhlAuthError('configuration', `env file ${path} ${why}: fix --env-file / GHL_ENV_FILE, or create it from .env.example`);

/** Validates everything at once, so one run reports every problem, each by its variable name. */
export function parseConfig<R extends Requirement = never>(env: Env, cwd: string, requirements: readonly R[] = []): ConfigWith<R> {
  const result = schema.safeParse(env);
  const problems = result.success ? [] : result.error.issues.map((issue) => `${String(issue.path[0])} ${issue.message}`);
  for (const name of requirements) {
    if (blank(env[name]) === undefined) problems.push(`${name} ${REQUIREMENT_HINTS[name]}`);
  }
  if (!result.success || problems.length > 0) {
    throw new GhlAuthError('configuration', `invalid configuration: ${problems.join('; ')} (set them in .env or the environment; see .env.example)`);
  }
  const v = result.data;
  const config: Config = {
    clientId: v.GHL_CLIENT_ID,
    clientSecret: v.GHL_CLIENT_SECRET,
    redirectUri: v.GHL_REDIRECT_URI,
    contactId: v.GHL_HEALTH_CHECK_CONTACT_ID,
    tagName: v.GHL_HEALTH_CHECK_TAG_NAME,
    authorizationCode: v.GHL_AUTHORIZATION_CODE,
    apiBaseUrl: v.GHL_API_BASE_URL.replace(/\/+$/, ''),
    authorizeUrl: v.GHL_AUTHORIZE_URL,
    scopes: v.GHL_SCOPES.split(/[\s,]+/).filter(Boolean).join(' '),
    userType: v.GHL_USER_TYPE,
    checkLocations: v.GHL_CHECK_LOCATIONS?.selection,
    locationContacts: v.GHL_CHECK_LOCATIONS?.contacts ?? {},
    appId: v.GHL_APP_ID,
    checkConcurrency: v.GHL_CHECK_CONCURRENCY,
    refreshMarginSeconds: v.GHL_REFRESH_MARGIN_SECONDS,
    checkTimeoutSeconds: v.GHL_CHECK_TIMEOUT_SECONDS,
    runTimeoutSeconds: v.GHL_RUN_TIMEOUT_SECONDS,
    tokenStore: v.GHL_TOKEN_STORE,
    tokenStoreSchema: v.GHL_TOKEN_STORE_SCHEMA,
    tokenKey: v.GHL_TOKEN_KEY,
    ...monitoringSettings(v, cwd),
  };
  return config as ConfigWith<R>; // every required field was checked above
}

/**
 * The monitoring settings, each variable read on its own: a run whose configuration is invalid can
 * still alert, ping and record that (an invalid monitoring variable itself is treated as unset).
 */
export function parseMonitoringSettings(env: Env, cwd: string): MonitoringSettings {
  // An invalid value falls back to the variable's default: every monitoring variable has one or is optional.
  const read = (name: MonitoringVariable) => {
    const field = schema.shape[name];
    const result = field.safeParse(env[name]);
    return [name, result.success ? result.data : field.safeParse(undefined).data];
  };
  return monitoringSettings(Object.fromEntries(MONITORING_VARIABLES.map(read)) as Pick<Values, MonitoringVariable>, cwd);
}

type Values = z.output<typeof schema>;

function monitoringSettings(v: Pick<Values, MonitoringVariable>, cwd: string): MonitoringSettings {
  return {
    serviceName: v.MICROSERVICE_NAME,
    logLevel: v.LOG_LEVEL,
    locationId: v.GHL_LOCATION_ID,
    tokensFile: resolve(cwd, v.GHL_TOKENS_FILE),
    alertWebhookUrl: v.GHL_ALERT_WEBHOOK_URL,
    alertOnRecovery: v.GHL_ALERT_ON_RECOVERY,
    healthchecksUrl: v.GHL_HEALTHCHECKS_URL,
    metricsFile: v.GHL_METRICS_FILE === undefined ? undefined : resolve(cwd, v.GHL_METRICS_FILE),
  };
}

const MONITORING_VARIABLES = [
  'MICROSERVICE_NAME',
  'LOG_LEVEL',
  'GHL_LOCATION_ID',
  'GHL_TOKENS_FILE',
  'GHL_ALERT_WEBHOOK_URL',
  'GHL_ALERT_ON_RECOVERY',
  'GHL_HEALTHCHECKS_URL',
  'GHL_METRICS_FILE',
] as const;
type MonitoringVariable = (typeof MONITORING_VARIABLES)[number];

const REQUIREMENT_HINTS: Record<Requirement, string> = {
  GHL_CLIENT_ID: 'is required: the Client ID of your marketplace app',
  GHL_CLIENT_SECRET: 'is required: the Client Secret of your marketplace app',
  GHL_HEALTH_CHECK_CONTACT_ID: 'is required: the id of the contact the check reads and tags',
  GHL_REDIRECT_URI: "is required to exchange an authorization code: your app's redirect URI, exactly as registered",
};

/** GHL client ids have the form `<appId>-<suffix>`: GHL_APP_ID wins, else that prefix. */
export function appIdOf(config: Pick<Config, 'appId' | 'clientId'>): string | undefined {
  if (config.appId) return config.appId;
  const prefix = config.clientId?.split('-')[0];
  return prefix && prefix !== config.clientId ? prefix : undefined;
}
