import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { GhlAuthError } from '../errors.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';
import { parseImportedTokens } from '../tokens/import.js';
import { replaceTokens } from '../lifecycle/replace.js';
import { reportSaved } from './report-saved.js';

/** Loads tokens obtained elsewhere (`-` or no file: stdin), validated, under the lock, with the --force/.bak rule. */
export async function tokensImportCommand(globals: GlobalOptions, file: string | undefined, options: { force?: boolean }): Promise<void> {
  const runtime = await createRuntime(globals, []);
  const fromStdin = file === undefined || file === '-';
  const source = fromStdin ? 'stdin' : file;
  const content = await (fromStdin ? text(process.stdin) : readFile(file, 'utf8')).catch((error: NodeJS.ErrnoException) => {
    throw new GhlAuthError('token_input_invalid', `cannot read the tokens to import from ${source} (${error.code ?? error.message}); nothing was saved`);
  });
  const stored = parseImportedTokens(content, source, runtime.now());
  const replaced = await replaceTokens(runtime, Boolean(options.force), async () => stored);
  reportSaved(replaced, runtime.config, runtime.now());
}
