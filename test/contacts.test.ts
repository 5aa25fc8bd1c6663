import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addContactTags, API_VERSION, getContact, removeContactTags } from '../src/contacts.js';
import type { ErrorCode } from '../src/errors.js';
import { answering, rejectsWithCode } from './unit-helpers.js';

const answeringOnce = (status: number, body: unknown) => answering({ status, body });

const ghl = (status: number, message: string | string[]) => ({ statusCode: status, message });

describe('the Contacts API calls: exact requests, every answer judged', () => {
  it('GET, POST and DELETE send the bearer token, the Version header and the tag body GHL documents', async () => {
    const read = answeringOnce(200, { contact: { id: 'C1', tags: ['a'] } });
    assert.deepEqual(await getContact(read.http, 'at-1', 'C1'), { id: 'C1', tags: ['a'] });
    assert.deepEqual(read.sent, [{ method: 'GET', path: '/contacts/C1', headers: { Authorization: 'Bearer at-1', Version: API_VERSION } }]);
    const add = answeringOnce(201, { tags: ['a', 'T'] });
    assert.deepEqual(await addContactTags(add.http, 'at-1', 'C1', ['T']), ['a', 'T']);
    assert.deepEqual(add.sent[0], { method: 'POST', path: '/contacts/C1/tags', headers: { Authorization: 'Bearer at-1', Version: API_VERSION }, json: { tags: ['T'] } });
    const remove = answeringOnce(200, {});
    await removeContactTags(remove.http, 'at-1', 'C1', ['T']);
    assert.equal(remove.sent[0]?.method, 'DELETE');
    assert.deepEqual(remove.sent[0]?.json, { tags: ['T'] });
  });

  const cases: [string, number, unknown, ErrorCode, RegExp][] = [
    ['a 200 the Contacts API does not describe', 200, { id: 'C1' }, 'ghl_unexpected_response', /does not describe/],
    ['a scope 401', 401, ghl(401, 'The token is not authorized for this scope.'), 'scope_missing', /contacts\.readonly and contacts\.write/],
    ['an invalid token 401 (the caller may refresh once)', 401, ghl(401, 'Invalid JWT'), 'access_token_rejected', /Invalid JWT/],
    ['another location (403)', 403, ghl(403, 'The token does not have access to this location.'), 'reauthorization_required', /authorize the app for the contact's location/],
    ['an unknown contact (400)', 400, ghl(400, 'Contact not found'), 'contact_not_found', /GHL_HEALTH_CHECK_CONTACT_ID/],
    ['a 422 with a list of messages', 422, ghl(422, ['contactId must be a string', 'bad']), 'contact_not_found', /contactId must be a string; bad/],
    ['a suspended location', 400, ghl(400, 'Location is not active'), 'location_inactive', /tokens were kept/],
    ['a Company token (authClass 401): not a scope', 401, ghl(401, 'This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.'), 'wrong_token_type', /only a Location token/],
    ['an undocumented status', 418, ghl(418, 'teapot'), 'ghl_unexpected_response', /the next run will try again/],
  ];
  for (const [name, status, body, code, message] of cases) {
    it(`${name}: ${code}`, async () => {
      await rejectsWithCode(getContact(answeringOnce(status, body).http, 'at-1', 'C1'), code, message);
    });
  }
});
