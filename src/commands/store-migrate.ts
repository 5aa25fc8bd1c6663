import { GhlAuthError } from '../errors.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';
import { closeClient, connect, describeStoreUrl, storeFailure } from '../store/postgres/connection.js';
import { migrate } from '../store/postgres/schema.js';
import { storeTimings } from '../store/timings.js';

/** Creates or upgrades the Postgres store's schema (GHL_TOKEN_STORE_SCHEMA); every run also does it lazily. */
export async function storeMigrateCommand(globals: GlobalOptions): Promise<void> {
  const { config } = await createRuntime(globals, []);
  if (!config.tokenStore) throw new GhlAuthError('configuration', 'GHL_TOKEN_STORE is not set: `store migrate` prepares a Postgres token store (postgres://user:password@host:5432/db); the token file needs none');
  const shown = describeStoreUrl(config.tokenStore);
  const client = await connect(config.tokenStore, shown, storeTimings(config.checkTimeoutSeconds).waitMs);
  try {
    const { from, to } = await migrate(client, config.tokenStoreSchema).catch((error: unknown) => Promise.reject(storeFailure(shown, error)));
    const done = from === to ? `was already at version ${to}` : `migrated from version ${from} to ${to}`;
    process.stdout.write(`schema ${config.tokenStoreSchema} in ${shown} ${done}\n`);
  } finally {
    await closeClient(client);
  }
}
