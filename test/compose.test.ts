// docker-compose.yml and the Dockerfile are never run on the development machines (no Docker
// engine); this checks them statically against the code and against the configuration the
// production-topology test runs (test/production/cluster.test.ts): services, ports, configuration
// names and values (through the real config schema), the Temporal server's version, config files and
// environment names, search attribute registration, start order, images.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigSchema, loadConfig, loadRateCard } from '../config/env';
import { WORKER_NODE_ARGS } from '../worker/node-options';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';
import {
  DYNAMIC_CONFIG_FILE,
  SETUP_NAMESPACE_SCRIPT,
  SETUP_SCHEMA_SCRIPT,
  TEMPORAL_CONFIG_DIR,
} from './support/temporal-cluster';

const ROOT = join(__dirname, '..');
const VERSIONS = JSON.parse(readFileSync(join(ROOT, 'deploy', 'versions.json'), 'utf8')) as {
  temporalServer: string;
  temporalUi: string;
  postgresMajor: number;
  node: string;
};
const read = (path: string) => readFileSync(path, 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | { target: number; published?: number | string; host_ip?: string }>;
  volumes?: Array<string | { type?: string; source?: string; target: string; read_only?: boolean }>;
  expose?: Array<string | number>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  deploy?: { replicas?: number };
}

const composeText = read(join(ROOT, 'docker-compose.yml'));
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

const POSTGRES = services.postgresql ? 'postgresql' : 'postgres';
const APP_SERVICES = ['worker', 'api', 'savb-simulator'] as const;

/** Compose variable interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}, $VAR. */
function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name, colon, op, arg, bare) => {
      if (match === '$$') return '$';
      if (bare) return env[bare] ?? '';
      const current = env[name];
      const unset = current === undefined || (colon === ':' && current === '');
      if (op === '-') return unset ? arg : current;
      if (op === '?') {
        if (unset) throw new Error(`required variable ${name} is missing: ${arg}`);
        return current;
      }
      return current ?? '';
    },
  );
}

function environment(name: string): Record<string, string> {
  const env = services[name].environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function resolvedEnvironment(name: string, shellEnv: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment(name)).map(([k, v]) => [k, interpolate(v, shellEnv)]));
}

/** [published, target] pairs of a service's `ports`. */
function publishedPorts(name: string): Array<[number | undefined, number]> {
  return (services[name].ports ?? []).map((p) => {
    if (typeof p === 'object') return [p.published === undefined ? undefined : Number(p.published), p.target];
    const parts = String(p).split('/')[0].split(':');
    const target = Number(parts[parts.length - 1]);
    return [parts.length > 1 ? Number(parts[parts.length - 2]) : undefined, target];
  });
}

/** The host address each published port is bound to (none = every interface). */
function bindAddresses(name: string): Array<string | undefined> {
  return (services[name].ports ?? []).map((p) => {
    if (typeof p === 'object') return p.host_ip;
    const parts = String(p).split('/')[0].split(':');
    return parts.length === 3 ? parts[0] : undefined;
  });
}

/** Bind mounts of a service: container path → host path relative to the repository. */
function mounts(name: string): Record<string, string> {
  return Object.fromEntries(
    (services[name].volumes ?? []).flatMap((v) => {
      if (typeof v === 'object') return v.type === 'bind' && v.source ? [[v.target, v.source]] : [];
      const [source, target] = v.split(':');
      return source.startsWith('.') ? [[target, source]] : [];
    }),
  );
}

/** The service that bind-mounts this repository file, and where. */
function serviceMounting(file: string): { service: string; target: string } | undefined {
  for (const service of Object.keys(services)) {
    for (const [target, source] of Object.entries(mounts(service))) {
      if (join(ROOT, source) === file) return { service, target };
    }
  }
  return undefined;
}

/** Environment variables a sprig template reads: {{ env "NAME" }} and list "NAME" ... checks. */
function templateVariables(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/env "([A-Z_][A-Z0-9_]*)"/g), ...text.matchAll(/list ((?:"[A-Z_]+"\s*)+)/g)].flatMap((m) =>
      m[0].startsWith('list') ? [...m[1].matchAll(/"([A-Z_]+)"/g)].map((n) => n[1]) : [m[1]],
    ),
  );
}

/** Environment variables a shell script reads (${NAME...}), plus those its tool reads by itself. */
function scriptVariables(text: string, toolVariables: string[] = []): Set<string> {
  return new Set([...[...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]), ...toolVariables]);
}

function dependsOn(name: string): Record<string, string> {
  const deps = services[name].depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([d, v]) => [d, v?.condition ?? 'service_started']));
}

function reaches(from: string, to: string, seen = new Set<string>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  return Object.keys(dependsOn(from)).some((d) => d === to || reaches(d, to, seen));
}

function commandText(name: string): string {
  const { command, entrypoint } = services[name];
  const part = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(' ') : (v ?? ''));
  return `${part(entrypoint)}\n${part(command)}`;
}

// What a deployer provides (.env.example): the variables without a default.
const SHELL_ENV = {
  API_TOKENS: 'compose-test-token=backoffice',
  POSTGRES_PASSWORD: 'compose-test-password',
  RECORDS_DB_PASSWORD: 'compose-test-records-password',
  PAYLOAD_KEYS: `compose-1=${Buffer.alloc(32, 1).toString('base64')}`,
};

describe('docker-compose.yml', () => {
  test('has the services of the product', () => {
    for (const name of ['temporal', POSTGRES, 'temporal-ui', 'worker', 'api', 'savb-simulator']) {
      expect(services).toHaveProperty([name]);
    }
  });

  test('publishes the API on 3000, the SAVB simulator on 4010, the Temporal UI on 8080 and gRPC on 7233, on 127.0.0.1 only', () => {
    expect(publishedPorts('api')).toContainEqual([3000, 3000]);
    expect(publishedPorts('savb-simulator')).toContainEqual([4010, 4010]);
    expect(publishedPorts('temporal-ui')).toContainEqual([8080, 8080]);
    expect(publishedPorts('temporal')).toContainEqual([7233, 7233]);
    for (const name of Object.keys(services)) {
      for (const address of bindAddresses(name)) expect({ name, address }).toEqual({ name, address: '127.0.0.1' });
    }
    expect(services[POSTGRES].ports ?? []).toEqual([]);
  });

  test.each(APP_SERVICES)('%s uses only configuration names of config/env.ts', (name) => {
    const known = Object.keys(ConfigSchema.shape);
    const keys = Object.keys(environment(name));
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !known.includes(k))).toEqual([]);
  });

  test.each(APP_SERVICES)('the environment of %s is a valid configuration', (name) => {
    const config = loadConfig(resolvedEnvironment(name, SHELL_ENV));
    expect(config).toBeDefined();
  });

  test('the app services talk to the containers of this file', () => {
    for (const name of ['worker', 'api'] as const) {
      const config = loadConfig(resolvedEnvironment(name, SHELL_ENV));
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
      // The record store: its own database on the PostgreSQL server, created before the app starts.
      expect(new URL(config.DATABASE_URL!).hostname).toBe(POSTGRES);
      expect(dependsOn(name)['records-db']).toBe('service_completed_successfully');
    }
    const worker = loadConfig(resolvedEnvironment('worker', SHELL_ENV));
    const savb = loadConfig(resolvedEnvironment('savb-simulator', SHELL_ENV));
    const api = loadConfig(resolvedEnvironment('api', SHELL_ENV));
    expect(new URL(worker.SAVB_URL).hostname).toBe('savb-simulator');
    expect(Number(new URL(worker.SAVB_URL).port)).toBe(savb.SAVB_SIM_PORT);
    expect(publishedPorts('savb-simulator').map(([, target]) => target)).toContain(savb.SAVB_SIM_PORT);
    expect(publishedPorts('api').map(([, target]) => target)).toContain(api.PORT);
    expect(resolvedEnvironment('temporal-ui', SHELL_ENV).TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  test('the SAVB intervals are set on the API, which passes them to each engagement workflow it starts', () => {
    const env = environment('api');
    expect(env).toHaveProperty('SAVB_POLL_INTERVAL');
    expect(env).toHaveProperty('SAVB_REGISTRATION_RETRY_INTERVAL');
  });

  test('the worker reads the rate card shipped in the image', () => {
    const worker = loadConfig(resolvedEnvironment('worker', SHELL_ENV));
    // The image holds dist/ (npm run build copies config/*.json there).
    expect(worker.RATE_CARD_PATH.startsWith('/app/dist/')).toBe(true);
    expect(() => loadRateCard(join(ROOT, worker.RATE_CARD_PATH.slice('/app/dist/'.length)))).not.toThrow();
    expect(read(join(ROOT, 'tsconfig.build.json'))).toContain('"config/*.json"');
  });

  test('API tokens are never in the file: the API refuses to start without API_TOKENS', () => {
    expect(() => resolvedEnvironment('api', {})).toThrow(/API_TOKENS/);
    expect(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')).not.toMatch(
      /[A-Za-z0-9_-]{8,}=(backoffice|operator|partner:)/,
    );
  });

  test('registers every search attribute with its type, with the script the production-topology test runs', () => {
    const job = serviceMounting(SETUP_NAMESPACE_SCRIPT);
    expect(job).toBeDefined();
    expect(commandText(job!.service)).toContain(job!.target);
    const registrations = new Map<string, string>();
    for (const line of read(SETUP_NAMESPACE_SCRIPT).split('\n')) {
      if (!/search-attribute\s+create/.test(line)) continue;
      const type = /--type[ =](\S+)/.exec(line)?.[1];
      for (const m of line.matchAll(/--name[ =](\S+)/g)) registrations.set(m[1], type ?? '');
    }
    expect(Object.fromEntries(registrations)).toEqual(SEARCH_ATTRIBUTE_TYPES);
  });

  test('the registration job runs against the temporal service once it is healthy, before the app, in the app namespace', () => {
    const job = serviceMounting(SETUP_NAMESPACE_SCRIPT)!.service;
    expect(dependsOn(job).temporal).toBe('service_healthy');
    expect(environment(job).TEMPORAL_ADDRESS).toBe('temporal:7233');
    for (const app of ['worker', 'api']) {
      expect(dependsOn(app)[job]).toBe('service_completed_successfully');
      expect(environment(app).TEMPORAL_NAMESPACE).toBe(environment(job).TEMPORAL_NAMESPACE);
    }
    expect(environment('temporal-ui').TEMPORAL_DEFAULT_NAMESPACE).toBe(environment(job).TEMPORAL_NAMESPACE);
    const reads = scriptVariables(read(SETUP_NAMESPACE_SCRIPT));
    expect(Object.keys(environment(job)).filter((k) => !reads.has(k))).toEqual([]);
  });

  test('the schema job sets up both databases with the script the production-topology test runs', () => {
    const job = serviceMounting(SETUP_SCHEMA_SCRIPT);
    expect(job).toBeDefined();
    expect(commandText(job!.service)).toContain(job!.target);
    expect(services[job!.service].image).toBe(`temporalio/admin-tools:${VERSIONS.temporalServer}`);
    // temporal-sql-tool reads SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD itself.
    const reads = scriptVariables(read(SETUP_SCHEMA_SCRIPT), ['SQL_HOST', 'SQL_PORT', 'SQL_USER', 'SQL_PASSWORD']);
    const env = resolvedEnvironment(job!.service, SHELL_ENV);
    expect(Object.keys(env).filter((k) => !reads.has(k))).toEqual([]);
    expect(env).toMatchObject({ SQL_HOST: POSTGRES, SQL_USER: 'temporal', SQL_PASSWORD: SHELL_ENV.POSTGRES_PASSWORD });
    expect(dependsOn('temporal')[job!.service]).toBe('service_completed_successfully');
  });

  test('start order makes sense', () => {
    for (const [name] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(name))) {
        expect(services).toHaveProperty([dep]);
        if (condition === 'service_healthy') expect(services[dep].healthcheck?.test).toBeDefined();
      }
      expect(reaches(name, name)).toBe(false); // no cycles
    }
    expect(reaches('temporal', POSTGRES)).toBe(true);
    expect(dependsOn('temporal-ui').temporal).toBeDefined();
    for (const app of ['worker', 'api']) {
      expect(dependsOn(app).temporal).toBe('service_healthy');
      expect(reaches(app, POSTGRES)).toBe(true);
    }
    expect(dependsOn('worker')['savb-simulator']).toBe('service_healthy');
  });

  test('long-running services have health checks', () => {
    for (const name of ['temporal', POSTGRES, 'worker', 'api', 'savb-simulator']) {
      expect(services[name].healthcheck?.test).toBeDefined();
      expect(services[name].healthcheck?.disable).not.toBe(true);
    }
  });

  test('the worker scales: several replicas, no fixed host port', () => {
    expect(services.worker.deploy?.replicas ?? 1).toBeGreaterThanOrEqual(2);
    expect(services.worker.ports ?? []).toEqual([]);
  });

  test('app services are built from the Dockerfile and run the compiled entry points of the npm scripts', () => {
    const scriptFor: Record<(typeof APP_SERVICES)[number], string> = {
      worker: 'worker',
      api: 'api',
      'savb-simulator': 'savb-sim',
    };
    for (const name of APP_SERVICES) {
      expect(services[name].build).toBeDefined();
      const command = services[name].command as string[];
      expect(command[0]).toBe('node');
      expect(command.join(' ')).not.toMatch(/tsx/);
      expect(packageJson.scripts[scriptFor[name]]).toBe(command.join(' '));
      // dist/<dir>/<file>.js is compiled from <dir>/<file>.ts.
      const entry = /^dist\/(.+)\.js$/.exec(command.at(-1)!)?.[1];
      expect(existsSync(join(ROOT, `${entry}.ts`))).toBe(true);
      expect(dockerfile).toMatch(new RegExp(`^COPY\\s+${entry!.split('/')[0]}\\s`, 'm'));
    }
  });

  test('the worker runs with the heap limit of worker/node-options.ts, in the image and in compose', () => {
    const argsOf = (command: string[]) => command.slice(1, -1);
    expect(argsOf(services.worker.command as string[])).toEqual(WORKER_NODE_ARGS);
    const cmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)![1]) as string[];
    expect(cmd.at(-1)).toBe('dist/worker/main.js');
    expect(argsOf(cmd)).toEqual(WORKER_NODE_ARGS);
  });

  test("the worker's health check is the one that goes green only while it polls (worker/healthcheck.ts)", () => {
    expect(services.worker.healthcheck?.test).toEqual(['CMD', 'node', 'dist/worker/healthcheck.js']);
    expect(existsSync(join(ROOT, 'worker', 'healthcheck.ts'))).toBe(true);
  });

  test('no default database password: compose refuses to start without POSTGRES_PASSWORD', () => {
    expect(composeText).not.toMatch(/POSTGRES_PASSWORD:?-/);
    for (const name of [POSTGRES, 'temporal', serviceMounting(SETUP_SCHEMA_SCRIPT)!.service]) {
      expect(() => resolvedEnvironment(name, { API_TOKENS: SHELL_ENV.API_TOKENS })).toThrow(/POSTGRES_PASSWORD/);
    }
  });

  test('.env.example names every variable compose requires, with no value', () => {
    const required = new Set([...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)].map((m) => m[1]));
    const example = read(join(ROOT, '.env.example'));
    for (const name of required) expect(example).toMatch(new RegExp(`^${name}=$`, 'm'));
    expect([...required].sort()).toEqual(Object.keys(SHELL_ENV).sort());
  });
});

describe('docker-compose.yml against the tested Temporal configuration', () => {
  test('server and admin tools at the tested server version, the UI the README shows, PostgreSQL of the tested major', () => {
    expect(services.temporal.image).toBe(`temporalio/server:${VERSIONS.temporalServer}`);
    for (const name of [
      serviceMounting(SETUP_SCHEMA_SCRIPT)!.service,
      serviceMounting(SETUP_NAMESPACE_SCRIPT)!.service,
    ]) {
      expect(services[name].image).toBe(`temporalio/admin-tools:${VERSIONS.temporalServer}`);
    }
    expect(services['temporal-ui'].image).toBe(`temporalio/ui:${VERSIONS.temporalUi}`);
    expect(services[POSTGRES].image).toMatch(new RegExp(`^postgres:${VERSIONS.postgresMajor}(\\D|$)`));
    // The server the test builds is the same version (scripts/install-temporal-server.mjs reads versions.json).
    expect(read(join(ROOT, 'scripts', 'install-temporal-server.mjs'))).toContain("'versions.json'");
  });

  test('the server runs the committed configuration and dynamic configuration the test runs', () => {
    const configFile = join(TEMPORAL_CONFIG_DIR, 'production.yaml');
    const config = serviceMounting(configFile);
    const dynamic = serviceMounting(DYNAMIC_CONFIG_FILE);
    expect(config?.service).toBe('temporal');
    expect(dynamic?.service).toBe('temporal');
    const command = commandText('temporal');
    const root = /--root\s+(\S+)/.exec(command)?.[1];
    const dir = /--config\s+(\S+)/.exec(command)?.[1];
    const env = /--env\s+(\S+)/.exec(command)?.[1];
    expect(join(root!, dir!, `${env}.yaml`)).toBe(config!.target);
    expect(environment('temporal').DYNAMIC_CONFIG_FILE_PATH).toBe(dynamic!.target);
  });

  test("the server's environment uses only names its configuration template reads, and every required one", () => {
    const template = read(join(TEMPORAL_CONFIG_DIR, 'production.yaml'));
    const reads = templateVariables(template);
    const env = resolvedEnvironment('temporal', SHELL_ENV);
    expect(Object.keys(env).filter((k) => !reads.has(k))).toEqual([]);
    const required = [...(/list ((?:"[A-Z_]+"\s*)+)/.exec(template)?.[1].matchAll(/"([A-Z_]+)"/g) ?? [])].map(
      (m) => m[1],
    );
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(env[name]).toBeTruthy();
    expect(env).toMatchObject({ POSTGRES_SEEDS: POSTGRES, POSTGRES_PWD: SHELL_ENV.POSTGRES_PASSWORD });
    // The history shard count is chosen for production and cannot change after the first start.
    expect(env.NUM_HISTORY_SHARDS).toBe('512');
  });
});

describe('Dockerfile', () => {
  test('runs on Node 24 LTS, the version of deploy/versions.json', () => {
    expect(VERSIONS.node).toMatch(/^24\./);
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${VERSIONS.node.replace(/\./g, '\\.')}-`, 'm'));
    expect(dockerfile.match(/^FROM\s+\$\{NODE_IMAGE\}/gm)?.length).toBe(2);
  });

  test('compiles in a build stage; the runtime stage has production dependencies and dist/ only', () => {
    expect(dockerfile).toMatch(/^RUN npm run build( && |$)/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(dockerfile).not.toMatch(/install-temporal/);
    expect(dockerfile).toMatch(/COPY\s+package\.json\s+package-lock\.json/);
    expect(packageJson.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
  });

  test('copies every source directory the build compiles', () => {
    const build = JSON.parse(read(join(ROOT, 'tsconfig.build.json'))) as { include: string[] };
    const paths = new Set(build.include.map((entry) => (entry.includes('*') ? entry.split('/')[0] : entry)));
    for (const path of paths) expect(dockerfile).toMatch(new RegExp(`^COPY\\s+${path.replace(/\./g, '\\.')}\\s`, 'm'));
  });

  test('runs unprivileged', () => {
    expect(dockerfile).toMatch(/^USER\s+node\s*$/m);
  });

  test('.dockerignore keeps local state, build output and dependencies out of the build context', () => {
    const ignored = read(join(ROOT, '.dockerignore'))
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', '.temporal', '.data', '.git', 'dist']) expect(ignored).toContain(entry);
  });
});
