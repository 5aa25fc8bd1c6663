/**
 * One "host" of bench/postgres.ts: a process of its own (its own HOSTNAME) that calls getAccessToken()
 * CALLERS times on each line of stdin (`together`: all at once; `in-turn`: one after another), and
 * answers with one JSON line: each call's time inside this process and how it ended. The first round warms the process (pg loaded); the parent
 * drops it.
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

const CALLERS = Number(process.env.BENCH_CALLERS);
const { getAccessToken } = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../src/index.js');

async function call(): Promise<{ ms: number; error?: string }> {
  const started = performance.now();
  try {
    await getAccessToken({ env: process.env as Record<string, string> });
    return { ms: performance.now() - started };
  } catch (error) {
    return { ms: performance.now() - started, error: (error as Error).message };
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const calls: Awaited<ReturnType<typeof call>>[] = [];
  if (line === 'together') calls.push(...(await Promise.all(Array.from({ length: CALLERS }, call))));
  else if (line === 'in-turn') for (let i = 0; i < CALLERS; i += 1) calls.push(await call());
  else break;
  process.stdout.write(`${JSON.stringify(calls)}\n`);
}
