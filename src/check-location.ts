import type { Config } from './config.js';
import { addContactTags, getContact, removeContactTags } from './contacts.js';
import { hasCode } from './errors.js';
import type { HttpClient } from './http-client.js';
import { reauthorizeOn401 } from './lifecycle/obtain.js';
import { getLocation } from './locations.js';
import type { Logger } from './logger.js';

/** Where one location's access token comes from, and what replaces it when GHL rejects it. */
export interface LocationAccess {
  token(): Promise<string>;
  /** GHL rejected `token`: a new one (refreshed, or minted again). */
  rejected(token: string): Promise<string>;
  /** How `rejected` renews, for the error when GHL rejects the new token too: "ghl-auth refreshed it". */
  renewed: string;
}

export interface HealthContactOutcome {
  /** True when GHL rejected a token we believed valid and one new token fixed it. */
  recoveredFrom401: boolean;
  /** The health-check tag as found still on the contact (the workflow did not remove it); absent when it was not. */
  tagLeftOn?: string;
}

/** What to do when the tag was still on the contact: said in the log, `status` and the metrics' docs. */
export const tagLeftOnAdvice = (tag: string) =>
  `the health-check tag '${tag}' was still on the contact: the GHL workflow did not remove it after the previous run, so adding it again alone would notify nobody. Removed and added it again so the workflow fires; check the workflow: its trigger 'Contact Tag Added' (tag '${tag}') and its 'Remove Contact Tag' step`;

/** One 401 on a token we believed valid is answered by one new token and one retry; a second is a human's to fix. */
class WithAccess {
  /** GHL rejected a token and the new one worked. */
  replaced = false;

  constructor(
    private readonly access: LocationAccess,
    private readonly log: Logger,
  ) {}

  async call<T>(request: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.access.token();
    try {
      return await request(token);
    } catch (error) {
      if (!hasCode(error, 'access_token_rejected') || this.replaced) throw reauthorizeOn401(error, this.access.renewed);
      this.log.warn('GHL rejected an access token we believed valid: replacing it once');
      this.replaced = true;
      return request(await this.access.rejected(token)).catch((again: unknown) => Promise.reject(reauthorizeOn401(again, this.access.renewed)));
    }
  }
}

/** The health check proper: read the contact, add the tag (which starts the user's GHL workflow). */
export async function checkHealthContact(http: HttpClient, access: LocationAccess, config: Pick<Config, 'tagName'> & { contactId: string }, log: Logger): Promise<HealthContactOutcome> {
  const { contactId, tagName } = config;
  const tokens = new WithAccess(access, log);
  const contact = await tokens.call((token) => getContact(http, token, contactId));
  // The workflow fires only when the tag is *added*. GHL's tag case handling is unconfirmed: compare
  // without case, and remove the tag as the contact spells it.
  const tagLeftOn = contact.tags?.find((tag) => tag.toLowerCase() === tagName.toLowerCase());
  if (tagLeftOn !== undefined) {
    log.warn({ contactId, tag: tagLeftOn }, tagLeftOnAdvice(tagLeftOn));
    await tokens.call((token) => removeContactTags(http, token, contactId, [tagLeftOn]));
  }
  await tokens.call((token) => addContactTags(http, token, contactId, [tagName]));
  return { recoveredFrom401: tokens.replaced, ...(tagLeftOn !== undefined && { tagLeftOn }) };
}

/** Any other location: one read-only request proves its token works there; answers its name. */
export async function readLocation(http: HttpClient, access: LocationAccess, locationId: string, log: Logger): Promise<{ name: string | null }> {
  return new WithAccess(access, log).call((token) => getLocation(http, token, locationId));
}
