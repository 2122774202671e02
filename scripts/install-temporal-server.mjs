#!/usr/bin/env node
// Builds the pinned Temporal server and its SQL schema tool from their Go module into a cache outside the clone, once.
// The production-topology test and operators on a machine without Docker run the same server that
// docker-compose.yml deploys (TEMPORAL_SERVER_VERSION). A fresh clone on the same machine reuses the
// cache; the first build takes about ten minutes on two cores.
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The Temporal server version deployed by docker-compose.yml and tested by test/production (deploy/versions.json). */
export const TEMPORAL_SERVER_VERSION = JSON.parse(
  readFileSync(join(root, 'deploy', 'versions.json'), 'utf8'),
).temporalServer;

const MODULE = 'go.temporal.io/server';
const PROGRAMS = { 'temporal-server': 'cmd/server', 'temporal-sql-tool': 'cmd/tools/sql' };

/** Where the built binaries live: $TEMPORAL_SERVER_CACHE, else the user's cache directory. */
export function serverCacheDir() {
  if (process.env.TEMPORAL_SERVER_CACHE) return process.env.TEMPORAL_SERVER_CACHE;
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'planning-services', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function goEnv(name) {
  return execFileSync('go', ['env', name], { encoding: 'utf8' }).trim();
}

/** The server module's source (schemas, sample configs), downloaded by `go install` into the module cache. */
function serverModuleDir() {
  return join(goEnv('GOMODCACHE'), `${MODULE}@v${TEMPORAL_SERVER_VERSION}`);
}

/** Paths of the cached binaries, building them first when missing. */
export function ensureTemporalServer({ log = (line) => console.log(line) } = {}) {
  const dir = serverCacheDir();
  const paths = {
    ...Object.fromEntries(Object.keys(PROGRAMS).map((name) => [name, join(dir, name)])),
    // The SQL schemas of this server version, copied from its module (setup-schema.sh reads them).
    schemaDir: join(dir, 'schema', 'postgresql', 'v12'),
  };
  if (
    isExecutable(paths['temporal-server']) &&
    isExecutable(paths['temporal-sql-tool']) &&
    existsSync(paths.schemaDir)
  ) {
    return paths;
  }
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'install-temporal-server: Go 1.24 or newer is needed to build the Temporal server (https://go.dev/dl/).',
    );
  }
  // Build into a scratch directory and rename, so an interrupted build never looks cached.
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  for (const [name, pkg] of Object.entries(PROGRAMS)) {
    log(`install-temporal-server: go install ${MODULE}/${pkg}@v${TEMPORAL_SERVER_VERSION} (first time about 10 min)`);
    execFileSync('go', ['install', `${MODULE}/${pkg}@v${TEMPORAL_SERVER_VERSION}`], {
      env: { ...process.env, GOBIN: scratch, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    renameSync(join(scratch, pkg.split('/').pop()), join(scratch, name));
  }
  cpSync(join(serverModuleDir(), 'schema', 'postgresql', 'v12'), join(scratch, 'schema', 'postgresql', 'v12'), {
    recursive: true,
  });
  writeFileSync(join(scratch, 'VERSION'), `${TEMPORAL_SERVER_VERSION}\n`);
  mkdirSync(join(dir, '..'), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  log(`install-temporal-server: done, ${dir}`);
  return paths;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const found = ensureTemporalServer();
    console.log(JSON.stringify(found, null, 2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
