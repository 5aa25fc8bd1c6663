/**
 * The Postgres store shared by 4 hosts × 8 callers: 4 processes (distinct HOSTNAME) each calling
 * getAccessToken() 8 times, the hosts at once; each call's time inside its process (Node's start-up
 * and the warm-up excluded). With a valid token (one query on a kept connection, no lock), each host's
 * callers in turn and then all 32 at once; then with an expired one (one refresh under the advisory
 * lock, the other 31 read its result). Needs the
 * PostgreSQL server binaries (Debian package postgresql); without them this part says so and ends.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Sandbox } from '../test/helpers.js';
import { missingPostgres, TestPostgres } from '../test/postgres-server.js';

const HOSTS = 4;
const CALLERS = 8;
const ROUNDS = 5;

type Call = { ms: number; error?: string };

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? NaN;

class Host {
  private readonly lines: AsyncIterator<string>;
  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }
  static start(env: Record<string, string>, name: string): Host {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/postgres-host.ts'], { env: { ...env, HOSTNAME: name, BENCH_CALLERS: String(CALLERS) }, stdio: ['pipe', 'pipe', 'inherit'] });
    return new Host(child);
  }
  async round(how: 'together' | 'in-turn'): Promise<Call[]> {
    this.child.stdin.write(`${how}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(`a bench host ended (exit ${this.child.exitCode})`);
    return JSON.parse(next.value) as Call[];
  }
  stop(): void {
    this.child.stdin.end();
  }
}

const skip = missingPostgres();
if (skip) {
  console.log(`Postgres store, ${HOSTS} hosts × ${CALLERS} callers: skipped, it ${skip}`);
} else {
  const postgres = await TestPostgres.start();
  const box = await Sandbox.create();
  const env = box.env({ LOG_LEVEL: 'warn', GHL_TOKEN_STORE: postgres.url() });
  /** A pair GHL issued, put in the row as a user would: `tokens import --force` of a token file. */
  const seed = async (expiresInS: number) => {
    await box.writeTokens(expiresInS);
    const file = join(box.dir, 'seed.json');
    await rename(box.tokensFile, file);
    const imported = await box.run(['tokens', 'import', '--force', file], { env: { GHL_TOKEN_STORE: postgres.url() } });
    if (imported.code !== 0) throw new Error(`tokens import failed: ${imported.stderr}`);
  };
  const hosts = Array.from({ length: HOSTS }, (_, i) => Host.start(env, `bench-host-${i}`));
  try {
    await seed(3600);
    await Promise.all(hosts.map((host) => host.round('together'))); // warm-up: pg loaded, connections kept, nothing measured
    const scenarios = [
      ['valid token, each host calling in turn', 'in-turn', 3600],
      ['valid token, all 32 at once', 'together', 3600],
      ['expired token, all 32 at once', 'together', -60],
    ] as const;
    for (const [label, how, expiresInS] of scenarios) {
      const calls: Call[] = [];
      let refreshes = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        await seed(expiresInS);
        box.fake.requests.length = 0;
        calls.push(...(await Promise.all(hosts.map((host) => host.round(how)))).flat());
        refreshes += box.fake.requestsTo('token').length;
      }
      const ms = calls.map((call) => call.ms);
      const failed = calls.filter((call) => call.error);
      for (const call of failed.slice(0, 2)) console.log(`  a failed caller: ${call.error}`);
      console.log(
        `Postgres store, ${HOSTS} hosts × ${CALLERS} getAccessToken() calls, ${label} (${ROUNDS} rounds): p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms; ${failed.length} failed; refreshes sent: ${refreshes} (${ROUNDS} expected for an expired token, 0 for a valid one); tokens presented twice: ${box.fake.state.refreshTokensSpentTwice}`,
      );
    }
  } finally {
    for (const host of hosts) host.stop();
    await box.close();
    await postgres.close();
  }
}
