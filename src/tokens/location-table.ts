import type { LocationRecord } from '../monitoring/last-run.js';
import { relativeTime } from './stored-tokens.js';

/** Up to this many locations, the healthy ones are listed too; beyond, only counted (`--json` lists all). */
const ALL_ROWS_UP_TO = 20;
const NAME_CHARS = 24;

/**
 * The last check's locations for `status` on a terminal: failing ones first, one row each, in columns
 * location, name, exit, reason, last healthy. Empty when the last check recorded no location.
 */
export function locationTable(records: readonly LocationRecord[], nowMs: number): string[] {
  if (records.length === 0) return [];
  const failed = records.filter((record) => record.exitCode !== 0);
  const healthy = records.filter((record) => record.exitCode === 0);
  const listed = records.length <= ALL_ROWS_UP_TO ? [...failed, ...healthy] : failed;
  const rows = [
    ['location', 'name', 'exit', 'reason', 'last healthy'],
    ...listed.map((record) => [record.locationId, shortened(record.name ?? ''), String(record.exitCode), record.reason, lastHealthy(record.lastSuccessAt, nowMs)]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return [
    `${records.length} in the last check, ${failed.length} failed`,
    ...rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()}`),
    ...(listed.length < records.length ? [`  and ${healthy.length} healthy (\`ghl-auth status --json\` lists every location)`] : []),
  ];
}

function lastHealthy(at: string | null, nowMs: number): string {
  const ms = at === null ? NaN : Date.parse(at);
  return Number.isNaN(ms) ? 'never' : relativeTime(ms, nowMs);
}

function shortened(name: string): string {
  const line = name.replace(/\s+/g, ' ').trim();
  return line.length > NAME_CHARS ? `${line.slice(0, NAME_CHARS - 1)}…` : line;
}
