import { resolve } from 'node:path';
import { GhlAuthError } from '../errors.js';
import { missingTokenFile } from '../lifecycle/obtain.js';
import { createRuntime, storeFor, type GlobalOptions } from '../runtime.js';
import { storePassword } from '../store/postgres/connection.js';

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/**
 * Copies the connection to another store without refreshing anything: read under the source's lock,
 * written under the destination's, then the source is retired (a file renamed aside, a row marked
 * moved), so that only one store can ever spend the refresh token.
 */
export async function tokensMigrateCommand(globals: GlobalOptions, options: { to: string; force?: boolean }): Promise<void> {
  const { config, log, secrets, store: source } = await createRuntime(globals, []);
  const to = POSTGRES_URL.test(options.to) ? options.to : resolve(options.to);
  if (POSTGRES_URL.test(to)) secrets.add(storePassword(to));
  const destination = storeFor(config, to, log);
  if (destination.path === source.path) throw new GhlAuthError('configuration', `--to names the store the connection is already in (${source.path}): nothing to move`);
  const { said, expiresAt } = await source.withLock(async () => {
    const stored = await source.read();
    if (!stored) throw missingTokenFile(source.path);
    await destination.withLock(async () => {
      if ((await destination.exists()) && !options.force) {
        throw new GhlAuthError('token_file_exists', `${destination.path} already holds a connection: pass --force to replace it (the old one is kept as ${destination.backupPath}); nothing was moved`);
      }
      await destination.reserveSave();
      if (await destination.exists()) await destination.backup();
      const outcome = await destination.write(stored);
      if (!outcome.saved) throw new GhlAuthError('token_file_locked', `${destination.path} was changed by another run meanwhile; nothing was moved (${outcome.message})`);
    });
    return { said: await source.retire(destination.path), expiresAt: stored.expiresAt };
  });
  process.stdout.write(`moved the connection (access token until ${expiresAt}) from ${source.path} to ${destination.path}; nothing was refreshed\n${said}\n`);
}
