import { writeWholeFile } from './atomic-file.js';
import { tokenFileBytes } from './token-file.js';

/**
 * Keeps `record` (redacted by whoever made it) beside the token file for diagnosis, as
 * `<file>.answer-<time>.json`: 0600, written whole or not at all, durable. Answers the path.
 */
export async function keepAnswer(tokensFile: string, record: unknown, nowMs: number): Promise<string> {
  const path = `${tokensFile}.answer-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}.json`;
  await writeWholeFile(path, tokenFileBytes(record));
  return path;
}
