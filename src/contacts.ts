import { z } from 'zod';
import { GhlAuthError } from './errors.js';
import { describeAnswer, ghlMessage, locationInactiveIn } from './ghl-answer.js';
import type { HttpClient, HttpResponse } from './http-client.js';

/** GHL's Contacts API v2 refuses calls without this header. */
export const API_VERSION = '2021-07-28';

const contactSchema = z.looseObject({ contact: z.looseObject({ id: z.string(), tags: z.array(z.string()).optional() }) });
const tagsSchema = z.looseObject({ tags: z.array(z.string()) });
/** The spec does not mark `tags` required in DELETE's answer: a 200 is what counts. */
const removedSchema = z.looseObject({ tags: z.array(z.string()).optional() });

export type Contact = z.infer<typeof contactSchema>['contact'];

const headers = (accessToken: string) => ({ Authorization: `Bearer ${accessToken}`, Version: API_VERSION });
const contactPath = (contactId: string) => `/contacts/${encodeURIComponent(contactId)}`;

/** GET /contacts/{id}: proves the token can read the health-check contact. */
export async function getContact(http: HttpClient, accessToken: string, contactId: string): Promise<Contact> {
  const response = await http.send({ method: 'GET', path: contactPath(contactId), headers: headers(accessToken) });
  return validate(response, 200, contactSchema, contactId).contact;
}

/** POST /contacts/{id}/tags: the tag starts the user's GHL workflow, which removes it again. */
export async function addContactTags(http: HttpClient, accessToken: string, contactId: string, tags: string[]): Promise<string[]> {
  const response = await http.send({ method: 'POST', path: `${contactPath(contactId)}/tags`, headers: headers(accessToken), json: { tags } });
  return validate(response, 201, tagsSchema, contactId).tags;
}

/** DELETE /contacts/{id}/tags: takes a tag off, so adding it again is a "Tag Added" event. */
export async function removeContactTags(http: HttpClient, accessToken: string, contactId: string, tags: string[]): Promise<void> {
  const response = await http.send({ method: 'DELETE', path: `${contactPath(contactId)}/tags`, headers: headers(accessToken), json: { tags } });
  validate(response, 200, removedSchema, contactId);
}

function validate<T>(response: HttpResponse, expected: number, schema: z.ZodType<T>, contactId: string): T {
  const { status, body } = response;
  if (status === expected || (status >= 200 && status < 300)) {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new GhlAuthError('ghl_unexpected_response', `GHL answered ${status} for contact '${contactId}' with a body the Contacts API does not describe; the next run will try again`);
  }
  const answer = describeAnswer(response);
  const message = ghlMessage(body);
  const inactive = locationInactiveIn(body);
  if (inactive) throw inactive;
  if (status === 401 && /scope/i.test(message)) {
    throw new GhlAuthError('scope_missing', `the token lacks a scope the check needs (GHL answered ${answer}): re-authorize with contacts.readonly and contacts.write (ghl-auth login --force)`);
  }
  if (status === 401) {
    throw new GhlAuthError('access_token_rejected', `GHL rejected the access token (${answer}): re-authorize (ghl-auth login --force) if a refresh does not fix it`);
  }
  if (status === 403) {
    throw new GhlAuthError('reauthorization_required', `GHL refused access to contact '${contactId}' (${answer}): authorize the app for the contact's location (ghl-auth login --force)`);
  }
  if (status === 400 || status === 404 || status === 422) {
    throw new GhlAuthError('contact_not_found', `GHL did not accept contact '${contactId}' (${answer}): check GHL_HEALTH_CHECK_CONTACT_ID is a contact of the authorized location`);
  }
  throw new GhlAuthError('ghl_unexpected_response', `GHL answered ${answer} for contact '${contactId}'; the next run will try again`);
}
