import { z } from 'zod';
import { GhlAuthError } from './errors.js';
import { describeAnswer } from './ghl-answer.js';
import type { HttpClient, HttpResponse } from './http-client.js';
import { bearer, readAnswer } from './location-api.js';

export { API_VERSION } from './location-api.js';

const contactSchema = z.looseObject({ contact: z.looseObject({ id: z.string(), tags: z.array(z.string()).optional() }) });
const tagsSchema = z.looseObject({ tags: z.array(z.string()) });
/** The spec does not mark `tags` required in DELETE's answer: a 200 is what counts. */
const removedSchema = z.looseObject({ tags: z.array(z.string()).optional() });

export type Contact = z.infer<typeof contactSchema>['contact'];

const contactPath = (contactId: string) => `/contacts/${encodeURIComponent(contactId)}`;

/** GET /contacts/{id}: proves the token can read the health-check contact. */
export async function getContact(http: HttpClient, accessToken: string, contactId: string): Promise<Contact> {
  const response = await http.send({ method: 'GET', path: contactPath(contactId), headers: bearer(accessToken) });
  return validate(response, contactSchema, contactId).contact;
}

/** POST /contacts/{id}/tags: the tag starts the user's GHL workflow, which removes it again. */
export async function addContactTags(http: HttpClient, accessToken: string, contactId: string, tags: string[]): Promise<string[]> {
  const response = await http.send({ method: 'POST', path: `${contactPath(contactId)}/tags`, headers: bearer(accessToken), json: { tags } });
  return validate(response, tagsSchema, contactId).tags;
}

/** DELETE /contacts/{id}/tags: takes a tag off, so adding it again is a "Tag Added" event. */
export async function removeContactTags(http: HttpClient, accessToken: string, contactId: string, tags: string[]): Promise<void> {
  const response = await http.send({ method: 'DELETE', path: `${contactPath(contactId)}/tags`, headers: bearer(accessToken), json: { tags } });
  validate(response, removedSchema, contactId);
}

function validate<T>(response: HttpResponse, schema: z.ZodType<T>, contactId: string): T {
  return readAnswer(response, schema, {
    subject: `contact '${contactId}'`,
    otherLocation: "authorize the app for the contact's location (ghl-auth login --force), or set GHL_LOCATION_ID to it",
    notFound: () =>
      new GhlAuthError('contact_not_found', `GHL did not accept contact '${contactId}' (${describeAnswer(response)}): check GHL_HEALTH_CHECK_CONTACT_ID is a contact of the authorized location`),
  });
}
