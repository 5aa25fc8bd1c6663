import { NO_ACCESS_TO_LOCATION } from './api-gate.js';
import { errorBody, unprocessable, type Answer } from './http.js';
import type { AccessGrant, FakeGhlState } from './state.js';

/** GET /contacts/:id, POST and DELETE /contacts/:id/tags, for a Location token already admitted. */
export function contactsAnswer(state: FakeGhlState, grant: AccessGrant, method: string, contactId: string, json: unknown): Answer {
  const read = method === 'GET';
  const contact = read ? state.readContact(contactId) : state.contacts.get(contactId);
  if (!contact) return [400, errorBody(400, 'Contact not found')];
  if (contact.locationId !== grant.locationId) return [403, errorBody(403, NO_ACCESS_TO_LOCATION)];
  if (read) return [200, { contact: { id: contact.id, locationId: contact.locationId, firstName: 'Health', lastName: 'Check', tags: contact.tags } }];
  const tags = (json as { tags?: unknown } | undefined)?.tags;
  if (!Array.isArray(tags) || tags.length === 0) return unprocessable(['tags must be a non-empty array']);
  if (method === 'DELETE') state.removeTags(contact, tags.map(String));
  else state.addTags(contact, tags.map(String));
  return [method === 'DELETE' ? 200 : 201, { tags: contact.tags }];
}
