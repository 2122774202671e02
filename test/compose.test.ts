// docker-compose.yml and the Dockerfile are never run on the development machines (no Docker
// engine); this checks them statically against the code: services, ports, configuration names and
// values (through the real config schema), search attribute registration, start order, images.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigSchema, loadConfig, loadRateCard } from '../config/env';
import { WORKER_NODE_ARGS } from '../worker/node-options';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';

const ROOT = join(__dirname, '..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | { target: number; published?: number | string }>;
  expose?: Array<string | number>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  deploy?: { replicas?: number };
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
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
      if (op === '-') return unset ? arg : (current as string);
      if (op === '?') {
        if (unset) throw new Error(`required variable ${name} is missing: ${arg}`);
        return current as string;
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

// What a deployer provides: the only variables without a default are API_TOKENS and PAYLOAD_KEYS.
const SHELL_ENV = {
  API_TOKENS: 'compose-test-token=backoffice',
  PAYLOAD_KEYS: `compose-1=${Buffer.alloc(32, 1).toString('base64')}`,
};

describe('docker-compose.yml', () => {
  test('has the services of the product', () => {
    for (const name of ['temporal', POSTGRES, 'temporal-ui', 'worker', 'api', 'savb-simulator']) {
      expect(services).toHaveProperty([name]);
    }
  });

  test('publishes the API on 3000, the SAVB simulator on 4010 and the Temporal UI on 8080', () => {
    expect(publishedPorts('api')).toContainEqual([3000, 3000]);
    expect(publishedPorts('savb-simulator')).toContainEqual([4010, 4010]);
    expect(publishedPorts('temporal-ui').some(([published]) => published === 8080 || published === 8233)).toBe(true);
    expect(publishedPorts('temporal')).toContainEqual([7233, 7233]);
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
    expect(worker.RATE_CARD_PATH.startsWith('/app/')).toBe(true);
    expect(() => loadRateCard(join(ROOT, worker.RATE_CARD_PATH.slice('/app/'.length)))).not.toThrow();
  });

  test('API tokens are never in the file: the API refuses to start without API_TOKENS', () => {
    expect(() => resolvedEnvironment('api', {})).toThrow(/API_TOKENS/);
    expect(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')).not.toMatch(
      /[A-Za-z0-9_-]{8,}=(backoffice|operator|partner:)/,
    );
  });

  test('registers every search attribute with its type', () => {
    const registrations = new Map<string, string>();
    for (const service of Object.keys(services)) {
      const text = commandText(service);
      for (const line of text.split('\n')) {
        if (!/search-attribute\s+create/.test(line)) continue;
        const type = /--type[ =](\S+)/.exec(line)?.[1];
        for (const m of line.matchAll(/--name[ =](\S+)/g)) registrations.set(m[1], type ?? '');
      }
    }
    expect(Object.fromEntries(registrations)).toEqual(SEARCH_ATTRIBUTE_TYPES);
  });

  test('the registration job runs against the temporal service once it is healthy, before the app', () => {
    const job = Object.keys(services).find((s) => /search-attribute\s+create/.test(commandText(s)));
    expect(job).toBeDefined();
    expect(dependsOn(job!).temporal).toBe('service_healthy');
    expect(environment(job!).TEMPORAL_ADDRESS ?? commandText(job!)).toMatch(/temporal:7233/);
    for (const app of ['worker', 'api']) expect(dependsOn(app)[job!]).toBe('service_completed_successfully');
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

  test('app services are built from the Dockerfile and run the same entry points as npm scripts', () => {
    const scriptFor: Record<(typeof APP_SERVICES)[number], string> = {
      worker: 'worker',
      api: 'api',
      'savb-simulator': 'savb-sim',
    };
    for (const name of APP_SERVICES) {
      expect(services[name].build).toBeDefined();
      const entry = /(\S+\.ts)\b/.exec(commandText(name))?.[1];
      expect(entry).toBeDefined();
      const nodeArgs = name === 'worker' ? `node ${WORKER_NODE_ARGS.join(' ')} --import tsx` : 'tsx';
      expect(packageJson.scripts[scriptFor[name]]).toBe(`${nodeArgs} ${entry}`);
      // The image holds the directory of the entry point.
      expect(dockerfile).toMatch(new RegExp(`^COPY\\s+(\\S+\\s+)*${entry!.split('/')[0]}\\b`, 'm'));
    }
    expect(existsSync(join(ROOT, 'worker', 'main.ts'))).toBe(true);
  });

  test('the worker runs with the heap limit of worker/node-options.ts, in the image and in compose', () => {
    const argsOf = (command: string[]) => command.slice(1, command.indexOf('--import'));
    expect(argsOf(services.worker.command as string[])).toEqual(WORKER_NODE_ARGS);
    const cmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)![1]) as string[];
    expect(cmd.at(-1)).toBe('worker/main.ts');
    expect(argsOf(cmd)).toEqual(WORKER_NODE_ARGS);
  });
});

describe('Dockerfile', () => {
  test('uses Node 20', () => {
    expect(dockerfile).toMatch(/^FROM\s+node:20(\.|-|\s|$)/m);
  });

  test('installs with the lockfile, without the Temporal binaries of the dev stack', () => {
    expect(dockerfile).toMatch(/npm ci\b[^\n]*--ignore-scripts/);
    expect(dockerfile).not.toMatch(/install-temporal/);
    expect(dockerfile).toMatch(/COPY\s+package\.json\s+package-lock\.json/);
  });

  test('copies every source directory the processes import', () => {
    for (const dir of ['config', 'domain', 'workflows', 'activities', 'worker', 'api', 'savb-simulator']) {
      expect(dockerfile).toMatch(new RegExp(`^COPY\\s+${dir}\\s`, 'm'));
    }
  });

  test('runs unprivileged', () => {
    expect(dockerfile).toMatch(/^USER\s+node\s*$/m);
  });

  test('.dockerignore keeps local state and dependencies out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', '.temporal', '.data', '.git']) expect(ignored).toContain(entry);
  });
});
