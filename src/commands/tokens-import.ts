import { text } from 'node:stream/consumers';
import { GhlAuthError } from '../errors.js';
import { FileRefused, readSmallFile } from '../files/small-file.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';
import { MAX_TOKEN_FILE_BYTES } from '../store/token-file.js';
import { parseImportedTokens } from '../tokens/import.js';
import { forgetImportedPair } from '../lifecycle/kept-pairs.js';
import { replaceTokens } from '../lifecycle/replace.js';
import { reportSaved } from './report-saved.js';

/** Loads tokens obtained elsewhere (`-` or no file: stdin), validated, under the lock, with the --force/.bak rule. */
export async function tokensImportCommand(globals: GlobalOptions, file: string | undefined, options: { force?: boolean }): Promise<void> {
  const runtime = await createRuntime(globals, []);
  const fromStdin = file === undefined || file === '-';
  const source = fromStdin ? 'stdin' : file;
  const content = await (fromStdin ? text(process.stdin) : readTokensFile(file));
  const stored = parseImportedTokens(content, source, runtime.now());
  const replaced = await replaceTokens(runtime, Boolean(options.force), async () => stored);
  if (!fromStdin) await forgetImportedPair(runtime, file);
  reportSaved(replaced, runtime.config, runtime.now());
}

/** A FIFO (as `<(command)` gives) would block the run: what is not a regular file comes on stdin instead. */
async function readTokensFile(file: string): Promise<string> {
  const bytes = await readSmallFile(file, { maxBytes: MAX_TOKEN_FILE_BYTES, followSymlinks: true }).catch((error: FileRefused) => {
    const way = error.code === undefined ? ': give the tokens on stdin instead (... | ghl-auth tokens import -)' : '';
    throw new GhlAuthError('token_input_invalid', `cannot read the tokens to import: ${error.message}${way}; nothing was saved`);
  });
  if (bytes === null) throw new GhlAuthError('token_input_invalid', `cannot read the tokens to import from ${file} (it does not exist); nothing was saved`);
  return bytes.toString('utf8');
}
