import { z } from 'zod';
import { GhlAuthError } from './errors.js';
import { describeAnswer } from './ghl-answer.js';
import type { HttpClient } from './http-client.js';
import { bearer, readAnswer } from './location-api.js';

const locationSchema = z.looseObject({ location: z.looseObject({ id: z.string().optional(), name: z.string().optional() }) });

/**
 * GET /locations/{id} (scope locations.readonly): one cheap read-only request that proves a Location
 * token works at its location. Answers the location's name when GHL gives one.
 */
export async function getLocation(http: HttpClient, accessToken: string, locationId: string): Promise<{ name: string | null }> {
  const response = await http.send({ method: 'GET', path: `/locations/${encodeURIComponent(locationId)}`, headers: bearer(accessToken) });
  const { location } = readAnswer(response, locationSchema, {
    subject: `location '${locationId}'`,
    otherLocation: `the Location token is not for ${locationId}; ghl-auth mints one per location, so report this if it repeats`,
    notFound: () => new GhlAuthError('configuration', `GHL did not accept location '${locationId}' (${describeAnswer(response)}): check the id in GHL_CHECK_LOCATIONS`),
  });
  return { name: location.name ?? null };
}
