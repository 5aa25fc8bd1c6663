import assert from 'node:assert/strict';
import { readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { connectionKeyOf, lockKeyOf } from '../../src/store/postgres/row-codec.js';
import { collect, unusedPort, verdict, type RunResult } from '../helpers.js';
import { missingPostgres, TestPostgres } from '../postgres-server.js';
import { killPlan, randomSleep, sleep, until, withBox, type Box, type BoxRunOptions } from './box.js';
import { assertEnded, FAULT_BOUND_MS, FAULT_CELLS, FAULT_MATRIX, injectFault, ROUTES, type Expectation, type FaultCase, type Route } from './fault-matrix.js';
import { Figures } from './figures.js';

/**
 * The Postgres store (GHL_TOKEN_STORE) under the file store's fault matrix, SIGKILL at every step of
 * a refresh, and the failures of Postgres itself: refusals, nothing listening, a frozen server.
 */
const skip = missingPostgres();
const SLOW_MS = 300;

type Row = { tokens: { token: { refresh_token: string; access_token: string }; refreshTokenSpent?: unknown } & Record<string, unknown>; revision: string; refreshing: unknown };

const figures = new Figures(3.5, 'Postgres store');
let postgres: TestPostgres;
let schemas = 0;

/** A box whose runs use the Postgres store, in a schema of its own, as host `host-a` unless told. */
class PgBox {
  readonly schema = `r${(schemas += 1)}`;
  /** Ends what a kill's step holds (another session's lock). */
  release: (() => Promise<void>) | undefined;

  constructor(readonly box: Box) {
    box.extraSecrets.push(postgres.password);
  }

  env(host = 'host-a', url = postgres.url()): Record<string, string> {
    return { GHL_TOKEN_STORE: url, GHL_TOKEN_STORE_SCHEMA: this.schema, HOSTNAME: host };
  }

  run(args: string[], options: BoxRunOptions & { host?: string } = {}): Promise<RunResult> {
    return this.box.run(args, { timeoutMs: FAULT_BOUND_MS + 10_000, ...options, env: { ...this.env(options.host), ...options.env } });
  }

  /** A pair GHL issued, put in the store as a user would: `tokens import` of a token file. */
  async seed(expiresInS: number): Promise<string> {
    const token = await this.box.sandbox.writeTokens(expiresInS);
    const file = join(this.box.dir, 'seed.json');
    await rename(this.box.tokensFile, file);
    this.box.inputs.add(file);
    const imported = await this.run(['tokens', 'import', '--force', file]);
    assert.equal(imported.code, 0, imported.stderr);
    this.box.fake.requests.length = 0;
    return String(token.refresh_token);
  }

  async row(): Promise<Row> {
    const [found] = await postgres.query<Row>(`SELECT tokens, revision, refreshing FROM ${this.schema}.connections`);
    assert.ok(found, 'the store has the connection');
    return found;
  }

  presented(token: string): number {
    return this.box.fake.requestsTo('token').filter((request) => request.form?.refresh_token === token).length;
  }

  spentAtGhl(token: string): boolean {
    return (this.box.fake.state.refreshTokens.get(token)?.uses ?? 0) > 0;
  }
}

const withPg = (fn: (pgBox: PgBox) => Promise<void>) => withBox((box) => fn(new PgBox(box)));

describe('the Postgres store under faults, kills and its own failures', { skip }, () => {
  before(async () => {
    postgres = await TestPostgres.start();
  });
  after(async () => {
    await postgres?.close();
    if (!skip) await figures.save();
  });

  describe('the fault matrix of GHL, on the Postgres store', { concurrency: 4 }, () => {
    for (const { fault, route, expectation } of FAULT_CELLS) {
      it(`${route}: ${fault.fault} → exit ${expectation.exit}`, () => withPg((pgBox) => faultCell(pgBox, fault, route, expectation)));
    }
    after(() => {
      figures.runs += FAULT_CELLS.length;
      figures.faults += FAULT_CELLS.length;
      figures.row(
        `the file store's fault matrix on the Postgres store: ${FAULT_MATRIX.length} GHL faults × ${ROUTES.length} endpoints, ${FAULT_CELLS.length} applicable`,
        `the same exit code and verdict as on the file store; the row changed only by a successful refresh or by marking a dead refresh token spent; no refresh token presented twice unless GHL's answer to it was lost`,
      );
    });
  });

  it('SIGKILL at 5 steps of 20 refreshes: the next run on another host recovers or names the lost rotation, never presenting a rotated token', () => killedRefreshes());

  // In turn: the table lists the cases in the order they end.
  describe("Postgres's own failures", () => {
    const refused = (what: string, says: RegExp, url: (pgBox: PgBox) => Promise<string>) =>
      it(`${what}: exit 2 naming GHL_TOKEN_STORE, nothing sent`, () =>
        withPg(async (pgBox) => {
          const old = await pgBox.seed(-60);
          const result = await pgBox.run(['check'], { env: { GHL_TOKEN_STORE: await url(pgBox) } });
          assert.equal(result.code, 2, result.stderr);
          assert.match(verdict(result), says);
          assert.match(verdict(result), /fix GHL_TOKEN_STORE \(SQLSTATE \w{5}\)/);
          assert.equal(pgBox.presented(old), 0);
          figures.runs += 1;
          figures.item('the store refuses the configuration', 'exit 2 naming GHL_TOKEN_STORE and the SQLSTATE, before any refresh token is sent', what);
        }));
    const withPassword = (user: string, database = 'ghl') => `postgres://${user}:${postgres.password}@127.0.0.1:${postgres.port}/${database}`;
    /** A role of the store's password, with `grants` on the box's schema and tables. */
    const role = async (pgBox: PgBox, name: string, grants: string, readOnly = false) => {
      const user = `${name}_${pgBox.schema}`;
      await postgres.query(`CREATE ROLE ${user} LOGIN PASSWORD '${postgres.password}'`);
      if (readOnly) await postgres.query(`ALTER ROLE ${user} SET default_transaction_read_only = on`); // what a standby does to every transaction
      await postgres.query(`GRANT USAGE ON SCHEMA ${pgBox.schema} TO ${user}; GRANT ${grants} ON ALL TABLES IN SCHEMA ${pgBox.schema} TO ${user}`);
      return withPassword(user);
    };
    refused('wrong password', /refused the user name or password/, async () => `postgres://ghl:wrong-${postgres.password.slice(0, 3)}@127.0.0.1:${postgres.port}/ghl`);
    refused('no such database', /has no such database/, async () => withPassword('ghl', 'nowhere'));
    refused('a read-only server (a standby)', /is read-only \(a standby\?\)/, (pgBox) => role(pgBox, 'standby', 'ALL', true));
    refused('a role that may only read the table', /denied this user a privilege/, (pgBox) => role(pgBox, 'reader', 'SELECT'));

    it('nothing listening: exit 4, nothing sent', () =>
      withPg(async (pgBox) => {
        const old = await pgBox.seed(-60);
        const result = await pgBox.run(['check'], { env: { GHL_TOKEN_STORE: `postgres://ghl:${postgres.password}@127.0.0.1:${await unusedPort()}/ghl` } });
        assert.equal(result.code, 4, result.stderr);
        assert.match(verdict(result), /the token store postgres:\/\/ghl@127\.0\.0\.1:\d+\/ghl is unavailable.*next run will try again/);
        assert.equal(pgBox.presented(old), 0);
        figures.runs += 1;
        figures.item('the store does not answer', 'exit 4 (temporary) within the deadline, nothing sent; the next run refreshes once', 'nothing listening');
      }));
  });

  describe('a frozen server (SIGSTOP: connections open, nothing answers)', () => {
    it('frozen before the refresh: exit 4 within the deadline, nothing sent; once it wakes the next run refreshes once', () =>
      withPg(async (pgBox) => {
        const old = await pgBox.seed(-60);
        await postgres.freeze();
        let frozen: RunResult;
        try {
          frozen = await pgBox.run(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '6' } });
        } finally {
          await postgres.thaw();
        }
        assert.equal(frozen.code, 4, frozen.stderr);
        assert.ok(frozen.ms < 15_000, `took ${frozen.ms} ms`);
        assert.match(verdict(frozen), /the token store .* is unavailable/);
        assert.equal(pgBox.presented(old), 0);
        const next = await pgBox.run(['check'], { host: 'host-b' });
        assert.equal(next.code, 0, next.stderr);
        assert.equal(pgBox.presented(old), 1);
        figures.runs += 2;
        figures.item('the store does not answer', 'exit 4 (temporary) within the deadline, nothing sent; the next run refreshes once', 'a frozen server before the refresh');
      }));

    it('frozen while GHL answers: the issued pair is kept on the host (0600, restore command), exit 2; the token is never presented again', () =>
      withPg(async (pgBox) => {
        const { box } = pgBox;
        const old = await pgBox.seed(-60);
        box.fake.delayMs.token = 1_000;
        const running = pgBox.run(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '4' } });
        while (pgBox.presented(old) === 0) await sleep(10);
        await postgres.freeze();
        let cut: RunResult;
        try {
          cut = await running;
        } finally {
          await postgres.thaw();
        }
        box.fake.delayMs.token = 0;
        assert.equal(cut.code, 2, cut.stderr);
        assert.ok(cut.ms < 15_000, `took ${cut.ms} ms`);
        const keptIn = /tokens import --force (\S+?)`/.exec(verdict(cut))?.[1];
        assert.ok(keptIn, verdict(cut));
        assert.equal((await stat(keptIn)).mode & 0o777, 0o600);
        box.inputs.add(keptIn); // it holds the pair, as the token file would
        const issued = (JSON.parse(await readFile(keptIn, 'utf8')) as Row['tokens']).token.refresh_token;
        assert.ok(pgBox.spentAtGhl(old) && box.fake.state.refreshTokens.has(issued), 'the kept pair is the one GHL issued');
        // The thawed server may still commit the save the run gave up on; else the row keeps the claim.
        if ((await pgBox.row()).tokens.token.refresh_token !== issued) {
          const restored = await pgBox.run(['tokens', 'import', '--force', keptIn]);
          assert.equal(restored.code, 0, restored.stderr);
        }
        const next = await pgBox.run(['check'], { host: 'host-b' });
        assert.equal(next.code, 0, next.stderr);
        assert.equal((await pgBox.row()).tokens.token.refresh_token, issued, 'the pair GHL issued is the one in use');
        assert.equal(pgBox.presented(old), 1, 'the rotated token was never presented again');
        assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
        figures.runs += 2;
        figures.item('the store stops answering after GHL answered', "the pair GHL issued kept on the host (0600) and named with its restore command, exit 2; restored by `tokens import --force` (or saved by the server once it wakes); the old token never presented again", 'a frozen server');
      }));
  });
});

async function faultCell(pgBox: PgBox, fault: FaultCase, route: Route, expectation: Expectation): Promise<void> {
  const { box } = pgBox;
  const old = await pgBox.seed(route === 'token' ? -60 : 3600);
  const before = await pgBox.row();
  assertEnded(await pgBox.run(['check'], { env: injectFault(box, fault, route) }), expectation);
  const after = await pgBox.row();
  // Without a readable answer GHL may have spent the token: then the claim stays, as on the file store.
  if (expectation.exit !== 4) assert.equal(after.refreshing, null, 'no claim left behind');
  if (expectation.refreshed) {
    assert.notEqual(after.tokens.token.refresh_token, old, 'a successful refresh is saved');
    assert.equal(box.fake.state.refreshTokens.get(after.tokens.token.refresh_token)?.uses, 0, 'the saved refresh token is live');
  } else if (expectation.spent) {
    const { refreshTokenSpent, ...pair } = after.tokens;
    assert.deepEqual(pair, before.tokens, 'the pair is kept as it was');
    assert.ok(refreshTokenSpent, 'and marked spent');
  } else {
    assert.deepEqual(after.tokens, before.tokens, 'the row unchanged');
    assert.equal(after.revision, before.revision);
  }
  // A reset after GHL did the work is retried once by the run (the file store does the same); nothing else presents a token twice.
  if (!expectation.spent) assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
}

type Step = 'waiting for the lock' | 'claim committed, waiting on GHL' | 'GHL rotated, answer in flight' | 'answer received, around the save' | 'after the save';
const STEPS: Step[] = ['waiting for the lock', 'claim committed, waiting on GHL', 'GHL rotated, answer in flight', 'answer received, around the save', 'after the save'];
const KILLS_PER_STEP = 4;
const LANES = 2;

/** Each step: how the window is widened, and when the kill lands. */
const KILLS: Record<Step, (pgBox: PgBox, old: string) => () => Promise<void>> = {
  // Another session holds the connection's lock, so the run waits (lock_timeout) before anything is sent.
  'waiting for the lock': (pgBox) => {
    const { setup } = pgBox.box.fake.state;
    const holder = new pg.Client({ connectionString: postgres.url() });
    const held = holder.connect().then(() => holder.query('SELECT pg_advisory_lock($1::bigint)', [lockKeyOf(pgBox.schema, connectionKeyOf(setup))]));
    pgBox.release = async () => {
      await held;
      await holder.end();
    };
    return async () => {
      await held;
      await randomSleep(250);
    };
  },
  'claim committed, waiting on GHL': ({ box }) => {
    box.fake.delayMs.token = SLOW_MS;
    return async () => {
      await until(() => box.fake.requestsTo('token').length > 0);
      await randomSleep(SLOW_MS - 50);
    };
  },
  'GHL rotated, answer in flight': (pgBox, old) => {
    pgBox.box.fake.fail('token', { kind: 'slow-answer', ms: SLOW_MS });
    return async () => {
      await until(() => pgBox.spentAtGhl(old));
      await randomSleep(SLOW_MS - 50);
    };
  },
  'answer received, around the save': (pgBox, old) => {
    pgBox.box.fake.delayMs.contact = SLOW_MS;
    return async () => {
      await until(() => pgBox.spentAtGhl(old));
      await randomSleep(25);
    };
  },
  'after the save': (pgBox) => {
    pgBox.box.fake.delayMs.contact = SLOW_MS;
    return async () => {
      await until(() => pgBox.box.fake.requestsTo('contact').length > 0);
      await randomSleep(SLOW_MS);
    };
  },
};

async function killedRefreshes(): Promise<void> {
  const lanes = killPlan(STEPS, KILLS_PER_STEP, LANES);
  const lostByStep = new Map<Step, number>();
  await Promise.all(
    lanes.map((steps) =>
      withPg(async (pgBox) => {
        for (const step of steps) {
          if (await killAndRecover(pgBox, step)) lostByStep.set(step, (lostByStep.get(step) ?? 0) + 1);
        }
      }),
    ),
  );
  // Where GHL rotated and the run never saved, the rotation is lost every time; before the lock and after the save, never.
  assert.equal(lostByStep.get('GHL rotated, answer in flight'), KILLS_PER_STEP);
  assert.equal(lostByStep.get('waiting for the lock') ?? 0, 0);
  assert.equal(lostByStep.get('after the save') ?? 0, 0);
  figures.kills += STEPS.length * KILLS_PER_STEP;
  figures.runs += STEPS.length * KILLS_PER_STEP * 2;
  figures.row(
    `SIGKILL at ${STEPS.length} steps of a refresh on the Postgres store (${STEPS.join('; ')}), ${KILLS_PER_STEP} each, the next run on another host`,
    'the row always holds the old pair or the one GHL issued; the next run exit 0, or exit 3 naming the lost rotation (every kill after GHL rotated and before the commit), the lost token then marked spent; the old token presented at most once more, and only after a kill once it was sent',
  );
}

/** One kill, then a run on another host. Answers whether the kill lost a rotation. */
async function killAndRecover(pgBox: PgBox, step: Step): Promise<boolean> {
  const { box } = pgBox;
  box.fake.delayMs.token = box.fake.delayMs.contact = 0;
  box.fake.faults.token.length = 0;
  const old = await pgBox.seed(-60);
  const moment = KILLS[step](pgBox, old);
  const child = box.spawn(['check'], { env: pgBox.env('host-a') });
  const ended = collect(child, { timeoutMs: 30_000 });
  try {
    await moment();
  } finally {
    child.kill('SIGKILL');
    await pgBox.release?.();
    pgBox.release = undefined;
  }
  const killed = box.checked(await ended);
  assert.equal(killed.signal, 'SIGKILL', `${step}: the run ended before the kill (${killed.code}): ${killed.stderr}`);
  await sleep(SLOW_MS + 50); // the stand-in finishes what the dead run sent it, as GHL would
  box.fake.delayMs.token = box.fake.delayMs.contact = 0;

  const row = await pgBox.row();
  const held = row.tokens.token.refresh_token;
  const issued = box.fake.state.issuedSecrets.slice(box.fake.state.issuedSecrets.indexOf(old));
  assert.ok(issued.includes(held), `${step}: the row holds neither the old nor a new pair`);
  const lost = pgBox.spentAtGhl(held);

  const next = await pgBox.run(['check'], { host: 'host-b' });
  if (lost) {
    assert.equal(next.code, 3, `${step}: lost rotation: ${next.stderr}`);
    assert.match(verdict(next), /stopped or cut off before it saved the new one, so the rotation was lost/);
    assert.ok((await pgBox.row()).tokens.refreshTokenSpent, `${step}: the lost token is marked spent, never to be sent again`);
  } else {
    assert.equal(next.code, 0, `${step}: ${next.stderr}`);
    assert.ok(!pgBox.spentAtGhl((await pgBox.row()).tokens.token.refresh_token), `${step}: the row holds a spent refresh token`);
  }
  // The dead run's claim says the token may have been sent: the next run sends it once more only when
  // the dead run may have (the only way back if it was not); GHL's new tokens are never presented twice.
  const presentations = issued.map((token) => pgBox.presented(token));
  assert.ok((presentations[0] ?? 0) <= (lost ? 2 : 1), `${step}: the old refresh token was presented ${presentations[0]} times`);
  assert.ok(presentations.slice(1).every((count) => count <= 1), `${step}: a new refresh token was presented twice`);
  await box.assertClean();
  return lost;
}
