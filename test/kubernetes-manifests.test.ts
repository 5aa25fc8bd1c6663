/**
 * The Kubernetes manifests of deploy/kubernetes, checked without a cluster. Nothing here applies them:
 * no API server, no kubectl, no kustomize, no admission controller or Pod Security check runs, and no
 * pod is started. What is checked:
 *
 * - Every file parses as YAML (duplicate keys refused).
 * - Every Kubernetes object is valid against the Kubernetes API's OpenAPI schemas as packaged by
 *   kubernetes-models (types, enums, required fields, formats), and has no field those schemas do not
 *   know at its place (a `backoffLimit` on the CronJob's spec instead of its Job's is refused): the
 *   same strictness as `kubeconform -strict`.
 * - What ghl-auth relies on: the CronJob never overlaps or retries, its deadline is above the run's
 *   own bound, the pods run as the image's non-root user with a read-only root, no capabilities and
 *   seccomp, the paths the CLI writes are on an emptyDir, the arguments are commands of the built CLI
 *   under the image's ENTRYPOINT, every variable set is one ghl-auth reads, and the Secret has the keys
 *   the CronJob needs, placeholders only.
 *
 * The last describe() breaks a manifest in several ways and expects each check to refuse it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Model } from '@kubernetes-models/base';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Secret } from 'kubernetes-models/v1/Secret';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { CREDENTIALS, parseConfig, type Env } from '../src/config.js';
import { CLI } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIR = 'deploy/kubernetes';
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const objectAt = (value: unknown, ...path: string[]): Json => {
  let at = value;
  for (const key of path) at = isObject(at) ? at[key] : undefined;
  return isObject(at) ? at : {};
};
const listAt = (value: unknown, ...path: string[]): unknown[] => {
  const [last, ...rest] = [...path].reverse();
  const at = last === undefined ? value : objectAt(value, ...rest.reverse())[last];
  return Array.isArray(at) ? at : [];
};

// ---------------------------------------------------------------------------------------------
// The manifests

interface Manifest {
  /** e.g. deploy/kubernetes/cronjob.yaml#1 (the document's number in its file). */
  where: string;
  file: string;
  object: Json;
}

/** Every YAML document of `text`, or the parser's complaints. */
function parseYaml(text: string, file: string): { objects: Json[]; problems: string[] } {
  const objects: Json[] = [];
  const problems: string[] = [];
  for (const document of parseAllDocuments(text, { uniqueKeys: true, strict: true, prettyErrors: true })) {
    for (const error of [...document.errors, ...document.warnings]) problems.push(`${file}: ${error.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue; // an empty document (comments only)
    if (isObject(value)) objects.push(value);
    else problems.push(`${file}: a document is not a mapping`);
  }
  return { objects, problems };
}

const FILES = readdirSync(join(ROOT, DIR))
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();

function loadManifests(): { manifests: Manifest[]; problems: string[] } {
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  for (const name of FILES) {
    const file = `${DIR}/${name}`;
    const parsed = parseYaml(read(file), file);
    problems.push(...parsed.problems);
    parsed.objects.forEach((object, index) => manifests.push({ where: `${file}#${index + 1}`, file: name, object }));
  }
  return { manifests, problems };
}

const LOADED = loadManifests();
const MANIFESTS = LOADED.manifests;
const ofKind = (kind: string) => MANIFESTS.filter((manifest) => manifest.object.kind === kind);
const KUSTOMIZATION_FILE = 'kustomization.yaml';

// ---------------------------------------------------------------------------------------------
// The Kubernetes API's schemas

type ModelClass = new (data: never) => Model<unknown>;
/** Every kind the manifests may hold, with its model (the schema's validator) and its TypeScript interface (its fields). */
const KINDS: Record<string, { model: ModelClass; module: string; type: string }> = {
  'batch/v1 CronJob': { model: CronJob as unknown as ModelClass, module: 'kubernetes-models/batch/v1/CronJob', type: 'ICronJob' },
  'batch/v1 Job': { model: Job as unknown as ModelClass, module: 'kubernetes-models/batch/v1/Job', type: 'IJob' },
  'v1 Secret': { model: Secret as unknown as ModelClass, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
};
const kindOf = (object: Json) => `${String(object.apiVersion)} ${String(object.kind)}`;

/** The schema's complaints: types, enums, required fields, formats. */
function schemaProblems(object: Json): string[] {
  const kind = KINDS[kindOf(object)];
  if (!kind) return [`${kindOf(object)}: not a kind this test knows (${Object.keys(KINDS).join(', ')}): add its schema to KINDS`];
  try {
    new kind.model(object as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors) throw error;
    return errors.map((one) => `${one.instancePath.slice(1).replaceAll('/', '.') || '(top)'}: ${one.message ?? 'invalid'}`);
  }
}

/**
 * The fields of each kind, read from kubernetes-models' TypeScript interfaces (generated from the
 * same OpenAPI schemas) by the TypeScript checker. The validators above accept unknown fields, as
 * the schemas do; the API server drops them (or refuses them, with strict field validation).
 */
const FIELDS = (() => {
  const file = join(ROOT, 'test', 'kubernetes-kinds.virtual.ts');
  const entries = Object.entries(KINDS);
  const text = entries.map(([, kind], i) => `import type { ${kind.type} as T${i} } from '${kind.module}';\nexport type K${i} = T${i};\n`).join('');
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists } = host;
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  const program = ts.createProgram([file], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '));
  assert.deepEqual(problems, [], 'the kubernetes-models types did not load');
  const checker = program.getTypeChecker();
  const aliases = (program.getSourceFile(file)?.statements ?? []).filter((statement): statement is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(statement));
  assert.equal(aliases.length, entries.length, 'the kubernetes-models types did not load');
  return { checker, types: new Map(entries.map(([key], i) => [key, checker.getTypeAtLocation((aliases[i] as ts.TypeAliasDeclaration).name)])) };
})();

/** Fields that are not in the schema where they are: `path: no field 'name' in TypeName`. */
function unknownFields(object: Json): string[] {
  const { checker, types } = FIELDS;
  const root = types.get(kindOf(object));
  if (!root) return []; // reported by schemaProblems
  const problems: string[] = [];
  const walk = (value: unknown, type: ts.Type, path: string): void => {
    const own = checker.getNonNullableType(type);
    if (Array.isArray(value)) {
      const element = checker.isArrayType(own) ? checker.getTypeArguments(own as ts.TypeReference)[0] : undefined;
      if (element) value.forEach((item, i) => walk(item, element, `${path}[${i}]`));
      return;
    }
    if (!isObject(value)) return; // a scalar: its type is the schema validator's business
    const members = own.isUnion() ? own.types.filter((member) => member.getProperties().length > 0 || member.getStringIndexType()) : [own];
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      const index = members.map((member) => member.getStringIndexType()).find(Boolean);
      const property = members.map((member) => member.getProperty(key)).find(Boolean);
      if (property) walk(child, checker.getTypeOfSymbol(property), at);
      else if (index) walk(child, index, at);
      else problems.push(`${at}: no field '${key}' in ${members.map((member) => checker.typeToString(member)).join(' | ')}`);
    }
  };
  walk(object, root, '');
  return problems;
}

// ---------------------------------------------------------------------------------------------
// What ghl-auth relies on

const DOCKERFILE = read('Dockerfile');
const FINAL_STAGE = DOCKERFILE.slice(DOCKERFILE.lastIndexOf('\nFROM '));
/** The image's ENTRYPOINT, as the exec-form array the Dockerfile gives. */
const ENTRYPOINT = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(FINAL_STAGE)?.[1] ?? 'null') as string[] | null;
/** The image's default token file (ENV GHL_TOKENS_FILE=...). */
const IMAGE_TOKENS_FILE = /GHL_TOKENS_FILE=(\S+)/.exec(FINAL_STAGE)?.[1];
/** The image's USER, as the uid Kubernetes needs to verify runAsNonRoot: `node` is uid 1000 in the node images. */
const IMAGE_UID = (() => {
  const user = /^USER (\S+)$/m.exec(FINAL_STAGE)?.[1];
  if (user && /^\d+$/.test(user)) return Number(user);
  return user === 'node' && /^FROM node:/m.test(FINAL_STAGE) ? 1000 : undefined;
})();

const CONFIG_SOURCE = read('src/config.ts');
const CONFIG_SCHEMA = /const schema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(CONFIG_SOURCE)?.[1] ?? '';
const CONFIG_VARIABLES = [...CONFIG_SCHEMA.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1] ?? '');
const SOURCES = readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
  .join('\n');
/** Read for the HTTP client by its proxy support, not by name in src/ (the README's configuration table). */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'NO_PROXY'];
/** A variable the CLI reads: in config.ts's schema, or read by name in its sources (`processEnv.GHL_ENV_FILE`, the token store's). */
const isKnownVariable = (name: string) => CONFIG_VARIABLES.includes(name) || PROXY_VARIABLES.includes(name) || new RegExp(`['"\`.]${name}\\b`).test(SOURCES);
/** The keys `check` in the CronJob cannot run without: the app, the contact, and the store every pod shares. */
const SECRET_KEYS_NEEDED = [...CREDENTIALS, 'GHL_HEALTH_CHECK_CONTACT_ID', 'GHL_TOKEN_STORE'];
/** Optional keys the example must show, so that nobody misses them: encryption at rest, the alert, the pings. */
const SECRET_KEYS_SHOWN = ['GHL_TOKEN_KEY', 'GHL_ALERT_WEBHOOK_URL', 'GHL_HEALTHCHECKS_URL'];
/** Files of the directory that kustomization.yaml must not list, and why. */
const NOT_IN_KUSTOMIZATION: Record<string, string> = {
  'secret.example.yaml': 'placeholders: `kubectl apply -k` would replace the real Secret',
  'migrate-job.yaml': 'a one-off Job: a later apply with a new image would fail on its immutable template',
};
/** How far above the run's own bound (run timeout + one check's deadline) activeDeadlineSeconds may be. */
const DEADLINE_SLACK_SECONDS = 600;

/**
 * Why the built CLI would refuse `args`, or undefined: asks it for the help of their command (which
 * runs nothing); its usage line must name that command (commander answers an unknown one with the
 * top-level help), and its options list every option given.
 */
const helps = new Map<string, string>();
function cliRefusal(args: string[]): string | undefined {
  const firstOption = args.findIndex((arg) => arg.startsWith('-'));
  const words = firstOption < 0 ? args : args.slice(0, firstOption);
  const key = words.join(' ');
  if (!helps.has(key)) {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`);
    const result = spawnSync(process.execPath, [CLI, ...words, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 30_000 });
    helps.set(key, result.status === 0 ? result.stdout : '');
  }
  const help = helps.get(key) ?? '';
  if (!help.startsWith(`Usage: ghl-auth ${key} `)) return `\`ghl-auth ${key}\` is not a command of the built CLI`;
  const options = section(help, 'Options');
  const unknown = args.slice(words.length).filter((arg) => arg.startsWith('-') && !new RegExp(`(^|[ ,])${arg.split('=')[0]}([ ,]|$)`, 'm').test(options));
  return unknown.length > 0 ? `\`ghl-auth ${key}\` has no option ${unknown.join(', ')}` : undefined;
}

/** The lines of one section of commander's help ("Options:"). */
const section = (help: string, title: string) => new RegExp(`^${title}:\\n((?: .*\\n?)*)`, 'm').exec(help)?.[1] ?? '';

const secrets = () => new Map(ofKind('Secret').map(({ object }) => [String(objectAt(object, 'metadata').name), object]));
const secretKeys = (secret: Json | undefined) => Object.keys({ ...objectAt(secret, 'data'), ...objectAt(secret, 'stringData') });

/** The pod template of a CronJob or Job. */
const podSpecOf = (object: Json) => (object.kind === 'CronJob' ? objectAt(object, 'spec', 'jobTemplate', 'spec', 'template', 'spec') : objectAt(object, 'spec', 'template', 'spec'));
const jobSpecOf = (object: Json) => (object.kind === 'CronJob' ? objectAt(object, 'spec', 'jobTemplate', 'spec') : objectAt(object, 'spec'));

/** The literal env values a container sets. */
function envOf(container: Json): Env {
  return Object.fromEntries(
    listAt(container, 'env')
      .filter(isObject)
      .map((entry) => [String(entry.name), typeof entry.value === 'string' ? entry.value : undefined]),
  );
}

/** Problems with a CronJob's or Job's pod: security, the image, the CLI's arguments and its environment. */
function podProblems(object: Json): string[] {
  const problems: string[] = [];
  const pod = podSpecOf(object);
  const podSecurity = objectAt(pod, 'securityContext');
  if (pod.restartPolicy !== 'Never') problems.push('restartPolicy must be Never: a failed check is retried by the next run, not in place');
  if (pod.automountServiceAccountToken !== false) problems.push('automountServiceAccountToken must be false: the CLI never calls the Kubernetes API');
  if (podSecurity.runAsNonRoot !== true) problems.push('securityContext.runAsNonRoot must be true');
  if (IMAGE_UID === undefined) problems.push("the Dockerfile's USER is not one whose uid this test knows");
  else if (podSecurity.runAsUser !== IMAGE_UID) problems.push(`securityContext.runAsUser must be ${IMAGE_UID}, the image's user: a named USER cannot be verified as non-root`);
  const volumes = new Map(
    listAt(pod, 'volumes')
      .filter(isObject)
      .map((volume) => [String(volume.name), volume]),
  );
  for (const [name, volume] of volumes) if (!isObject(volume.emptyDir) && !isObject(volume.secret)) problems.push(`volume ${name}: only emptyDir (or secret) volumes; a pod may land on any node`);
  const containers = [...listAt(pod, 'initContainers'), ...listAt(pod, 'containers')].filter(isObject);
  if (containers.length === 0) problems.push('no container');
  const known = secrets();
  for (const container of containers) {
    const at = `container ${String(container.name)}`;
    const security = objectAt(container, 'securityContext');
    if (security.allowPrivilegeEscalation !== false) problems.push(`${at}: securityContext.allowPrivilegeEscalation must be false`);
    if (security.readOnlyRootFilesystem !== true) problems.push(`${at}: securityContext.readOnlyRootFilesystem must be true`);
    if (security.privileged === true) problems.push(`${at}: must not be privileged`);
    if (!listAt(security, 'capabilities', 'drop').includes('ALL')) problems.push(`${at}: securityContext.capabilities.drop must be [ALL]`);
    if (listAt(security, 'capabilities', 'add').length > 0) problems.push(`${at}: adds capabilities`);
    if (security.runAsUser !== undefined && security.runAsUser !== IMAGE_UID) problems.push(`${at}: securityContext.runAsUser must be the image's user`);
    const seccomp = objectAt(security, 'seccompProfile').type ?? objectAt(podSecurity, 'seccompProfile').type;
    if (seccomp !== 'RuntimeDefault') problems.push(`${at}: seccompProfile.type must be RuntimeDefault (on the pod or the container)`);
    const resources = objectAt(container, 'resources');
    for (const [part, name] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'memory']] as const) {
      if (objectAt(resources, part)[name] === undefined) problems.push(`${at}: resources.${part}.${name} is not set`);
    }
    // The image's ENTRYPOINT is the CLI: `command` would replace it, `args` are a ghl-auth command line.
    if (!ENTRYPOINT?.includes('/app/dist/cli.js')) problems.push("the Dockerfile's ENTRYPOINT is not the CLI");
    if (container.command !== undefined && JSON.stringify(container.command) !== JSON.stringify(ENTRYPOINT)) problems.push(`${at}: command must be left out (the image's ENTRYPOINT, ${JSON.stringify(ENTRYPOINT)}, runs the CLI)`);
    const args = listAt(container, 'args').map(String);
    if (args.length === 0) problems.push(`${at}: args must name the ghl-auth command (the image's default CMD is not relied on)`);
    else {
      const refusal = cliRefusal(args);
      if (refusal) problems.push(`${at}: args ${JSON.stringify(args)}: ${refusal}`);
    }
    if (container.image !== 'ghl-auth') problems.push(`${at}: image must be 'ghl-auth', the name kustomization.yaml's images: (or kubectl set image) replaces`);
    // The environment: env values, then the Secret's keys.
    const env = envOf(container);
    for (const name of Object.keys(env).filter((one) => !isKnownVariable(one))) problems.push(`${at}: env ${name} is not a variable ghl-auth reads`);
    for (const [name, value] of Object.entries(env)) if (value === undefined) problems.push(`${at}: env ${name} has no literal value`);
    const refs = listAt(container, 'envFrom').filter(isObject);
    if (refs.length === 0) problems.push(`${at}: envFrom must name the Secret`);
    for (const ref of refs) {
      const name = String(objectAt(ref, 'secretRef').name);
      if (!isObject(ref.secretRef)) problems.push(`${at}: envFrom: only secretRef`);
      else if (!known.has(name)) problems.push(`${at}: envFrom names Secret ${name}, which ${DIR} does not define`);
      else if (objectAt(ref, 'secretRef').optional === true) problems.push(`${at}: the Secret must not be optional: without it every run would fail on configuration`);
      else for (const key of secretKeys(known.get(name)).filter((one) => one in env)) problems.push(`${at}: ${key} is in both env and Secret ${name}: env wins, silently`);
    }
    try {
      parseConfig(env, '/');
    } catch (error) {
      problems.push(`${at}: ghl-auth refuses its env values: ${(error as Error).message}`);
    }
    // Every path the CLI writes must be on a writable volume: the root filesystem is read-only.
    const mounts = listAt(container, 'volumeMounts').filter(isObject);
    for (const mount of mounts) if (!volumes.has(String(mount.name))) problems.push(`${at}: mounts volume ${String(mount.name)}, which the pod does not define`);
    const writable = mounts.filter((mount) => isObject(volumes.get(String(mount.name))?.emptyDir) && mount.readOnly !== true).map((mount) => String(mount.mountPath));
    const written = { GHL_TOKENS_FILE: env.GHL_TOKENS_FILE ?? IMAGE_TOKENS_FILE, GHL_METRICS_FILE: env.GHL_METRICS_FILE };
    for (const [name, path] of Object.entries(written)) {
      if (path === undefined) continue;
      if (!posix.isAbsolute(path)) problems.push(`${at}: ${name} must be an absolute path (the working directory is the read-only /app)`);
      else if (!writable.some((mountPath) => posix.relative(mountPath, posix.dirname(path)).split('/')[0] !== '..')) problems.push(`${at}: ${name}=${path}: its directory is on no writable emptyDir (the root filesystem is read-only)`);
    }
  }
  return problems;
}

/** Problems with the CronJob itself: never two at once, no retry, a deadline just above the run's bound. */
function cronJobProblems(object: Json): string[] {
  const problems: string[] = [];
  const spec = objectAt(object, 'spec');
  const job = jobSpecOf(object);
  if (spec.concurrencyPolicy !== 'Forbid') problems.push('spec.concurrencyPolicy must be Forbid');
  if (typeof spec.startingDeadlineSeconds !== 'number' || spec.startingDeadlineSeconds < 10) problems.push('spec.startingDeadlineSeconds must be set, at least 10 (below, runs may never start)');
  const minute = String(spec.schedule).split(/\s+/)[0];
  if (String(spec.schedule).split(/\s+/).length !== 5) problems.push('spec.schedule must have five fields');
  else if (minute === '0' || minute === '*') problems.push('spec.schedule: pick a minute other than :00 (and not every minute), as setup_cron.sh does');
  if (job.backoffLimit !== 0) problems.push('jobTemplate.spec.backoffLimit must be 0: a failed check has alerted, and the next run retries');
  if (typeof job.ttlSecondsAfterFinished !== 'number') problems.push('jobTemplate.spec.ttlSecondsAfterFinished must be set');
  const container = listAt(podSpecOf(object), 'containers').find(isObject) ?? {};
  let bound: number | undefined;
  try {
    const config = parseConfig(envOf(container), '/');
    bound = config.runTimeoutSeconds + config.checkTimeoutSeconds;
  } catch {
    // reported by podProblems
  }
  const deadline = job.activeDeadlineSeconds;
  if (typeof deadline !== 'number') problems.push('jobTemplate.spec.activeDeadlineSeconds must be set');
  else if (bound !== undefined && (deadline <= bound || deadline > bound + DEADLINE_SLACK_SECONDS)) {
    problems.push(`jobTemplate.spec.activeDeadlineSeconds is ${deadline}: it must be a bit above GHL_RUN_TIMEOUT_SECONDS + GHL_CHECK_TIMEOUT_SECONDS (${bound}), at most ${bound + DEADLINE_SLACK_SECONDS}`);
  }
  return problems;
}

/** Problems with the example Secret: the keys a run needs, each a variable ghl-auth reads, placeholders only. */
function secretProblems(object: Json): string[] {
  const problems: string[] = [];
  const values = objectAt(object, 'stringData');
  if (object.data !== undefined) problems.push('only stringData: base64 data hides what is in it');
  if ((object.type ?? 'Opaque') !== 'Opaque') problems.push('type must be Opaque');
  for (const key of Object.keys(values).filter((one) => !isKnownVariable(one))) problems.push(`${key} is not a variable ghl-auth reads`);
  for (const key of SECRET_KEYS_NEEDED.filter((one) => !(one in values))) problems.push(`${key} is missing: \`check\` in the CronJob needs it`);
  for (const key of SECRET_KEYS_SHOWN.filter((one) => !(one in values))) problems.push(`${key} is missing: the example shows every optional key a cluster should set`);
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'string' || !/REPLACE/.test(value)) problems.push(`${key}: not an obvious placeholder (one with REPLACE in it)`);
    const host = /^[a-z]+:\/\/(?:[^@/]*@)?([^:/?#]+)/i.exec(String(value))?.[1];
    if (host && !host.endsWith('.invalid')) problems.push(`${key}: a placeholder URL's host must end in .invalid, never a real one (${host})`);
  }
  if (!/^postgres(ql)?:\/\//.test(String(values.GHL_TOKEN_STORE ?? ''))) problems.push('GHL_TOKEN_STORE must be a postgres:// URL');
  // Filled in the same shape, the Secret (with the CronJob's env) is a configuration `check` accepts.
  const cronJobEnv = ofKind('CronJob').map(({ object: cron }) => envOf(listAt(podSpecOf(cron), 'containers').find(isObject) ?? {}));
  try {
    parseConfig({ ...(values as Env), ...Object.assign({}, ...cronJobEnv) }, '/', [...CREDENTIALS, 'GHL_HEALTH_CHECK_CONTACT_ID']);
  } catch (error) {
    problems.push(`ghl-auth refuses it: ${(error as Error).message}`);
  }
  return problems;
}

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'labels', 'commonAnnotations', 'namePrefix', 'nameSuffix', 'patches', 'components']);

/** Problems with kustomization.yaml: what it lists exists, everything else is left out on purpose, the image is set. */
function kustomizationProblems(object: Json, files: string[]): string[] {
  const problems: string[] = [];
  if (object.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || object.kind !== 'Kustomization') problems.push('must be apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization');
  for (const key of Object.keys(object).filter((one) => !KUSTOMIZATION_FIELDS.has(one))) problems.push(`${key}: not a field this test knows in a Kustomization`);
  const listed = listAt(object, 'resources').map(String);
  for (const resource of listed.filter((one) => !files.includes(one))) problems.push(`resources: ${resource} is not a file of ${DIR}`);
  for (const resource of listed.filter((one) => one in NOT_IN_KUSTOMIZATION)) problems.push(`resources: ${resource} must not be listed: ${NOT_IN_KUSTOMIZATION[resource]}`);
  for (const file of files.filter((one) => one !== KUSTOMIZATION_FILE && !listed.includes(one) && !(one in NOT_IN_KUSTOMIZATION))) problems.push(`resources: ${file} is not listed`);
  const images = listAt(object, 'images').filter(isObject);
  if (!images.some((image) => image.name === 'ghl-auth' && typeof image.newName === 'string' && image.newName !== 'ghl-auth')) problems.push('images: must set the newName of image ghl-auth (the registry it was pushed to)');
  return problems;
}

/** Every problem of one manifest. */
function manifestProblems(manifest: Manifest, files = FILES): string[] {
  const { object, file } = manifest;
  if (file === KUSTOMIZATION_FILE) return kustomizationProblems(object, files);
  const problems = [...schemaProblems(object), ...unknownFields(object)];
  if (object.kind === 'CronJob' || object.kind === 'Job') problems.push(...podProblems(object));
  if (object.kind === 'CronJob') problems.push(...cronJobProblems(object));
  if (object.kind === 'Secret') problems.push(...secretProblems(object));
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe(`${DIR}, checked without a cluster (nothing here applies them)`, () => {
  it('every file parses as YAML, and the directory has what docs/kubernetes.md applies', () => {
    assert.deepEqual(LOADED.problems, []);
    for (const file of ['cronjob.yaml', 'secret.example.yaml', 'migrate-job.yaml', KUSTOMIZATION_FILE]) assert.ok(FILES.includes(file), `${DIR}/${file} is missing`);
    assert.equal(ofKind('CronJob').length, 1, 'one CronJob');
    assert.equal(ofKind('Secret').length, 1, 'one Secret');
  });

  for (const manifest of MANIFESTS) {
    it(`${manifest.where} (${String(manifest.object.kind)} ${String(objectAt(manifest.object, 'metadata').name ?? '')}): valid, and what ghl-auth relies on holds`, () => {
      assert.deepEqual(manifestProblems(manifest), []);
    });
  }

  it('every file it names in comments or docs exists', () => {
    const named = FILES.flatMap((file) => [...read(`${DIR}/${file}`).matchAll(/\b((?:docs|deploy\/kubernetes)\/[\w./-]+\.(?:md|yaml))\b/g)].map((match) => match[1] ?? ''));
    // docs/postgres-store.md comes with the Postgres store itself.
    assert.deepEqual(
      named.filter((path) => !existsSync(join(ROOT, path))),
      [],
    );
  });
});

describe('the manifest checks themselves', () => {
  const cronJob = ofKind('CronJob')[0];
  const broken = (change: (object: Json) => void): string[] => {
    assert.ok(cronJob, 'no CronJob to break');
    const object = structuredClone(cronJob.object);
    change(object);
    return manifestProblems({ ...cronJob, object });
  };
  const pod = (object: Json) => podSpecOf(object);
  const container = (object: Json) => listAt(pod(object), 'containers').find(isObject) ?? {};

  it('refuse a broken CronJob', () => {
    assert.match(broken((o) => (objectAt(o, 'spec').concurrencyPolicy = 'Allow')).join('\n'), /concurrencyPolicy must be Forbid/);
    assert.match(broken((o) => (objectAt(o, 'spec').concurrencyPolicy = 'Sometimes')).join('\n'), /spec\.concurrencyPolicy: must be equal to one of the allowed values/);
    assert.match(
      broken((o) => {
        objectAt(o, 'spec').backoffLimit = 0; // a Job's field, on the CronJob
        delete jobSpecOf(o).backoffLimit;
      }).join('\n'),
      /^spec\.backoffLimit: no field 'backoffLimit' in .*CronJobSpec/m,
    );
    assert.match(broken((o) => (objectAt(container(o), 'securityContext').readOnlyRootFilesystem = 'true')).join('\n'), /readOnlyRootFilesystem: must be boolean/);
    assert.match(broken((o) => (objectAt(container(o), 'securityContext').readOnlyRootFileSystem = true)).join('\n'), /no field 'readOnlyRootFileSystem'/);
    assert.match(broken((o) => delete objectAt(pod(o), 'securityContext').runAsUser).join('\n'), /runAsUser must be 1000/);
    assert.match(broken((o) => (container(o).capabilities = { drop: ['ALL'] })).join('\n'), /no field 'capabilities' in .*Container/);
    assert.match(broken((o) => (objectAt(container(o), 'securityContext', 'capabilities').drop = ['NET_RAW'])).join('\n'), /capabilities\.drop must be \[ALL\]/);
    assert.match(broken((o) => (jobSpecOf(o).activeDeadlineSeconds = 60)).join('\n'), /activeDeadlineSeconds is 60/);
    assert.match(broken((o) => (jobSpecOf(o).backoffLimit = 6)).join('\n'), /backoffLimit must be 0/);
    assert.match(broken((o) => listAt(container(o), 'env').push({ name: 'GHL_NOPE', value: '1' })).join('\n'), /env GHL_NOPE is not a variable/);
    assert.match(broken((o) => listAt(container(o), 'env').push({ name: 'GHL_CHECK_TIMEOUT_SECONDS', value: 'soon' })).join('\n'), /refuses its env values/);
    assert.match(broken((o) => (container(o).args = ['chek'])).join('\n'), /`ghl-auth chek` is not a command of the built CLI/);
    assert.match(broken((o) => (container(o).args = ['check', '--jsn'])).join('\n'), /`ghl-auth check` has no option --jsn/);
    assert.match(broken((o) => (container(o).command = ['sh', '-c', 'ghl-auth check'])).join('\n'), /command must be left out/);
    assert.match(broken((o) => (listAt(pod(o), 'volumes')[0] = { name: 'data', hostPath: { path: '/srv' } })).join('\n'), /only emptyDir/);
    assert.match(broken((o) => listAt(container(o), 'env').push({ name: 'GHL_METRICS_FILE', value: '/metrics/ghl_auth.prom' })).join('\n'), /GHL_METRICS_FILE=\/metrics\/ghl_auth\.prom: its directory is on no writable emptyDir/);
    assert.match(broken((o) => (objectAt(listAt(container(o), 'envFrom')[0], 'secretRef').name = 'other')).join('\n'), /names Secret other/);
  });

  it('refuse a broken Secret, kustomization or YAML file', () => {
    const secret = ofKind('Secret')[0];
    assert.ok(secret);
    const values = structuredClone(secret.object);
    delete objectAt(values, 'stringData').GHL_TOKEN_STORE;
    objectAt(values, 'stringData').GHL_CLIENT_SECRET = 'a-real-looking-secret';
    objectAt(values, 'stringData').GHL_HEALTHCHECKS_URL = 'https://hc-ping.com/REPLACE';
    const problems = manifestProblems({ ...secret, object: values }).join('\n');
    assert.match(problems, /GHL_TOKEN_STORE is missing/);
    assert.match(problems, /GHL_CLIENT_SECRET: not an obvious placeholder/);
    assert.match(problems, /must end in \.invalid/);

    const kustomization = MANIFESTS.find((manifest) => manifest.file === KUSTOMIZATION_FILE);
    assert.ok(kustomization);
    const listsSecret = structuredClone(kustomization.object);
    listAt(listsSecret, 'resources').push('secret.example.yaml', 'nope.yaml');
    assert.match(manifestProblems({ ...kustomization, object: listsSecret }).join('\n'), /nope\.yaml is not a file[\s\S]*secret\.example\.yaml must not be listed/);
    assert.match(manifestProblems(kustomization, [...FILES, 'extra.yaml']).join('\n'), /extra\.yaml is not listed/);

    assert.match(parseYaml('a: 1\na: 2\n', 'x.yaml').problems.join('\n'), /x\.yaml: .*unique/i);
    assert.match(parseYaml('spec:\n  containers:\n   - name: a\n  - name: b\n', 'x.yaml').problems.join('\n'), /x\.yaml: /);
  });
});
