import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verdict } from '../helpers.js';
import { snapshot, withBox } from './box.js';
import { Figures } from './figures.js';

const figures = new Figures(5, 'Bad settings');
after(() => figures.save());

interface EnvFileCase {
  name: string;
  /** The .env content, from the values the stand-in expects. */
  content: (values: Record<string, string>) => string;
}

const ENV_FILE_CASES: EnvFileCase[] = [
  {
    name: 'quoted values and inline comments',
    content: (v) =>
      [
        `GHL_CLIENT_ID='${v.GHL_CLIENT_ID}' # single quotes`,
        `GHL_CLIENT_SECRET="${v.GHL_CLIENT_SECRET}"   # double quotes, then a comment`,
        `GHL_HEALTH_CHECK_CONTACT_ID=${v.GHL_HEALTH_CHECK_CONTACT_ID} # unquoted, then a comment`,
        `GHL_HEALTH_CHECK_TAG_NAME="Status:Online #1"`,
        '',
      ].join('\n'),
  },
  { name: 'CRLF line endings', content: (v) => `${lines(v).join('\r\n')}\r\n` },
  { name: 'a byte-order mark', content: (v) => `\uFEFF${lines(v).join('\n')}\n` },
  { name: 'BOM, CRLF, quotes and comments together', content: (v) => `\uFEFF# written on Windows\r\n${lines(v, true).join('\r\n')}\r\n` },
];

const lines = (v: Record<string, string>, decorated = false) =>
  Object.entries(v).map(([name, value]) => (decorated ? `${name}="${value}" # ${name.toLowerCase()}` : `${name}=${value}`));

describe('.env as editors write it: parsed exactly', () => {
  for (const c of ENV_FILE_CASES) {
    it(c.name, () =>
      withBox(async (box) => {
        const { setup } = box.fake.state;
        const values = { GHL_CLIENT_ID: setup.clientId, GHL_CLIENT_SECRET: setup.clientSecret, GHL_HEALTH_CHECK_CONTACT_ID: setup.contactId };
        const envFile = join(box.dir, '.env');
        await writeFile(envFile, c.content(values), { mode: 0o600 });
        box.inputs.add(envFile);
        await box.sandbox.writeTokens(-60); // the refresh proves the secret was read exactly
        const result = await box.run(['check'], { env: { GHL_CLIENT_ID: undefined, GHL_CLIENT_SECRET: undefined, GHL_HEALTH_CHECK_CONTACT_ID: undefined } });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(box.fake.requestsTo('token')[0]?.form?.client_id, setup.clientId);
        const tag = c.name.startsWith('quoted') ? 'Status:Online #1' : 'Status:Online-AuthService';
        assert.deepEqual(box.fake.state.contacts.get(setup.contactId)?.tags, [tag]);
        figures.runs += 1;
        figures.item('.env as editors write it', 'every value read exactly (the refresh and the tag prove it)', c.name);
      }),
    );
  }
});

interface ConfigCase {
  name: string;
  env: Record<string, string | undefined>;
  /** Written to .env instead of the environment. */
  viaEnvFile?: boolean;
  named: string[];
}

const CONFIG_CASES: ConfigCase[] = [
  {
    name: 'invalid URLs',
    env: { GHL_API_BASE_URL: 'not a url', GHL_REDIRECT_URI: 'ftp://localhost/cb' },
    named: ['GHL_API_BASE_URL must be an http(s) URL', 'GHL_REDIRECT_URI must be an http(s) URL'],
  },
  {
    name: 'empty required variables',
    env: { GHL_CLIENT_ID: '', GHL_CLIENT_SECRET: '   ', GHL_HEALTH_CHECK_CONTACT_ID: '' },
    named: ['GHL_CLIENT_ID is required', 'GHL_CLIENT_SECRET is required', 'GHL_HEALTH_CHECK_CONTACT_ID is required'],
  },
  {
    name: 'empty required variables and an invalid URL in .env',
    env: { GHL_CLIENT_ID: '', GHL_CLIENT_SECRET: '', GHL_API_BASE_URL: 'localhost:8080' },
    viaEnvFile: true,
    named: ['GHL_CLIENT_ID is required', 'GHL_CLIENT_SECRET is required', 'GHL_API_BASE_URL must be an http(s) URL'],
  },
];

describe('invalid configuration: exit 2 naming every problem, no value echoed, tokens untouched', () => {
  for (const c of CONFIG_CASES) {
    it(c.name, () =>
      withBox(async (box) => {
        await box.sandbox.writeTokens(-60);
        const before = await snapshot(box.tokensFile);
        let env = c.env;
        if (c.viaEnvFile) {
          const envFile = join(box.dir, '.env');
          await writeFile(envFile, Object.entries(c.env).map(([name, value]) => `${name}=${value ?? ''}`).join('\n'));
          box.inputs.add(envFile);
          env = Object.fromEntries(Object.keys(c.env).map((name) => [name, undefined]));
        }
        const result = await box.run(['check'], { env });
        assert.equal(result.code, 2, result.stderr);
        const line = verdict(result);
        for (const problem of c.named) assert.ok(line.includes(problem), `${problem} in: ${line}`);
        for (const value of Object.values(c.env).filter((v) => v?.trim())) assert.ok(!line.includes(String(value)), `echoed ${value}`);
        // Without a .env file the verdict also says that one is missing, and how to make one.
        const noEnvFile = c.viaEnvFile ? '' : String.raw`\. No \.env file was found in \S+: copy \.env\.example to \.env there, or name one with --env-file`;
        assert.match(line, new RegExp(String.raw`set them in \.env or the environment; see \.env\.example\)${noEnvFile} \[configuration\]$`));
        assert.deepEqual(await snapshot(box.tokensFile), before);
        assert.equal(box.fake.requests.length, 0);
        figures.runs += 1;
        figures.item('invalid configuration', 'exit 2 naming every problem, no value echoed, tokens untouched', `${c.name}${c.viaEnvFile ? '' : ' (environment)'}`);
      }),
    );
  }
});

