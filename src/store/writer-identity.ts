import { createHash } from 'node:crypto';
import { readFile, readlink } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * Who wrote a claim or a temp file, precisely enough to tell later whether that writer is certainly
 * gone. `scope` is where its pid means something: one boot and one pid namespace on Linux, else the
 * host name. `processStart` (Linux: clock ticks after boot) tells a reused pid from the writer.
 */
export interface Writer {
  pid: number;
  scope: string;
  processStart: string;
}

export async function currentWriter(): Promise<Writer> {
  const [bootId, pidNamespace, processStart] = await Promise.all([
    readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((text) => text.trim(), () => undefined),
    readlink('/proc/self/ns/pid').catch(() => undefined),
    startOf(process.pid),
  ]);
  const scope = bootId && pidNamespace ? `linux:${bootId}:${pidNamespace}` : `host:${hostname()}`;
  return { pid: process.pid, scope, processStart: processStart ?? '0' };
}

/**
 * True only when the writer cannot still be running: same boot and pid namespace (or, off Linux,
 * same host) and its pid is free or now belongs to a process started at another time. A writer in
 * another container or on another host is never certainly gone: the caller decides by its deadline.
 */
export async function isCertainlyGone(writer: Pick<Writer, 'pid' | 'processStart'> & { scope: string }, self: Writer): Promise<boolean> {
  if (writer.scope !== self.scope && writer.scope !== scopeTag(self)) return false;
  if (writer.pid === self.pid && writer.processStart === self.processStart) return false;
  if (!isAlive(writer.pid)) return true;
  if (!self.scope.startsWith('linux:')) return false;
  const start = await startOf(writer.pid);
  return start !== undefined && start !== writer.processStart;
}

/** A short form of the scope for file names, compared like the scope itself. */
export function scopeTag(writer: Pick<Writer, 'scope'>): string {
  return createHash('sha256').update(writer.scope).digest('hex').slice(0, 12);
}

/** `<scope tag>-<pid>-<start>`: enough in a file name to judge its writer later. */
export function writerTag(writer: Writer): string {
  return `${scopeTag(writer)}-${writer.pid}-${writer.processStart}`;
}

export function parseWriterTag(tag: string): { scope: string; pid: number; processStart: string } | undefined {
  const match = /^([0-9a-f]{12})-(\d+)-(\d+)$/.exec(tag);
  return match ? { scope: match[1] as string, pid: Number(match[2]), processStart: match[3] as string } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
async function startOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}
