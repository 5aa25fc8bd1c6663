/**
 * `npm run bench`: start-up and footprint (its argument: how many runs), then an agency of 200 locations,
 * then 50 concurrent `token` callers, then the Postgres store shared by 4 hosts × 8 callers.
 * In sequence, each alone on the machine's cores.
 */
await import('./startup.js');
await import('./agency.js');
await import('./callers.js');
await import('./postgres.js');
