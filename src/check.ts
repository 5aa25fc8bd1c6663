import type { ConfigWith, Credentials } from './config.js';
import { addContactTags, getContact, removeContactTags } from './contacts.js';
import { GhlAuthError, hasCode } from './errors.js';
import { obtainAccessToken, refreshAfterRejection, type LifecycleDeps, type TokenAction } from './lifecycle/obtain.js';
import { judgeTokens, problemsIn } from './tokens/judge.js';

export type CheckDeps = LifecycleDeps & { config: ConfigWith<Credentials | 'GHL_HEALTH_CHECK_CONTACT_ID'> };

export interface CheckResult {
  contactId: string;
  tagName: string;
  locationId: string | undefined;
  tokenAction: TokenAction;
  /** True when GHL rejected a token we believed valid and one refresh fixed it. */
  recoveredFrom401: boolean;
  expiresAt: string;
  durationMs: number;
  /** The health-check tag as found still on the contact (the workflow did not remove it); absent when it was not. */
  tagLeftOn?: string;
}

/** What to do when the tag was still on the contact: said in the log, `status` and the metrics' docs. */
export const tagLeftOnAdvice = (tag: string) =>
  `the health-check tag '${tag}' was still on the contact: the GHL workflow did not remove it after the previous run, so adding it again alone would notify nobody. Removed and added it again so the workflow fires; check the workflow: its trigger 'Contact Tag Added' (tag '${tag}') and its 'Remove Contact Tag' step`;

/**
 * The health check: a usable token, then read the contact and add the tag. One 401 on a token we
 * believed valid is answered by one refresh and one retry; anything else is the caller's to report.
 */
export async function runCheck(deps: CheckDeps): Promise<CheckResult> {
  const { config, http, now } = deps;
  const started = now();
  const { contactId } = config;
  const usable = await obtainAccessToken(deps);
  let stored = usable.stored;
  // The judge that status and login use: a token the check cannot work with fails here, before any request.
  const [unfit] = problemsIn(judgeTokens(stored, config, now()));
  if (unfit) throw new GhlAuthError(unfit.code, unfit.message);

  let recoveredFrom401 = false;
  const withToken = async <T>(call: (accessToken: string) => Promise<T>): Promise<T> => {
    try {
      return await call(stored.token.access_token);
    } catch (error) {
      if (!hasCode(error, 'access_token_rejected') || recoveredFrom401) throw reauthorizeOn401(error);
      deps.log.warn('GHL rejected an access token we believed valid: refreshing once');
      stored = await refreshAfterRejection(deps, stored.token.access_token);
      recoveredFrom401 = true;
      return call(stored.token.access_token).catch((again: unknown) => Promise.reject(reauthorizeOn401(again)));
    }
  };

  const contact = await withToken((token) => getContact(http, token, contactId));
  // The workflow fires only when the tag is *added*. GHL's tag case handling is unconfirmed: compare
  // without case, and remove the tag as the contact spells it.
  const tagLeftOn = contact.tags?.find((tag) => tag.toLowerCase() === config.tagName.toLowerCase());
  if (tagLeftOn !== undefined) {
    deps.log.warn({ contactId, tag: tagLeftOn }, tagLeftOnAdvice(tagLeftOn));
    await withToken((token) => removeContactTags(http, token, contactId, [tagLeftOn]));
  }
  await withToken((token) => addContactTags(http, token, contactId, [config.tagName]));
  return {
    contactId,
    tagName: config.tagName,
    locationId: stored.token.locationId,
    tokenAction: usable.action,
    recoveredFrom401,
    expiresAt: stored.expiresAt,
    durationMs: now() - started,
    ...(tagLeftOn !== undefined && { tagLeftOn }),
  };
}

/** A 401 that survives a refresh is not the token's age: a human has to look. */
function reauthorizeOn401(error: unknown): unknown {
  return hasCode(error, 'access_token_rejected') ? new GhlAuthError('reauthorization_required', error.message, { cause: error }) : error;
}

/** The one line a healthy run ends with. */
export function checkSummary(result: CheckResult): string {
  const leftOn = result.tagLeftOn === undefined ? '' : ' (it was still on the contact: removed and added again; check the GHL workflow, see the warning)';
  return `healthy: tag '${result.tagName}' added to contact '${result.contactId}' (location ${result.locationId ?? 'unknown'}) in ${result.durationMs} ms${leftOn}`;
}
