import type { Config } from '../config.js';
import { describeSaved } from '../tokens/report.js';
import type { Replaced } from '../lifecycle/replace.js';

/** The end of login, exchange and import: facts on stdout, what the check would trip over on stderr. */
export function reportSaved(replaced: Replaced, config: Config, nowMs: number): void {
  const { lines, warnings } = describeSaved(replaced, config, nowMs);
  process.stdout.write(lines.map((line) => `${line}\n`).join(''));
  process.stderr.write(warnings.map((line) => `warning: ${line}\n`).join(''));
}
