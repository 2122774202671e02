// `npm ci`'s postinstall without Python: it fails with advice unless a `temporal` CLI is on PATH or in TEMPORAL_CLI_PATH, when it only warns.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
let dir: string;
let bin: string;
let fakeCli: string;

beforeAll(() => {
  // A copy of the installer in a directory without .temporal/, run with a PATH that has node and nothing else.
  dir = mkdtempSync(join(tmpdir(), 'install-temporal-'));
  mkdirSync(join(dir, 'scripts'));
  for (const file of ['install-temporal.mjs', 'pypi-venv.mjs', 'temporal-requirements.txt']) {
    copyFileSync(join(ROOT, 'scripts', file), join(dir, 'scripts', file));
  }
  bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  fakeCli = join(dir, 'elsewhere-temporal');
  writeFileSync(fakeCli, '#!/bin/sh\necho temporal\n', { mode: 0o755 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function install(env: Record<string, string>) {
  return spawnSync(process.execPath, [join(dir, 'scripts', 'install-temporal.mjs')], {
    encoding: 'utf8',
    env: { PATH: bin, HOME: dir, ...env },
  });
}

it('without Python and without a temporal CLI it fails and says what to install', () => {
  const result = install({});
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/Python 3 .* is needed/);
  expect(result.stderr).toMatch(/TEMPORAL_CLI_PATH/);
});

it('without Python but with TEMPORAL_CLI_PATH it succeeds and names the CLI it will use', () => {
  const result = install({ TEMPORAL_CLI_PATH: fakeCli });
  expect(result.status).toBe(0);
  expect(result.stderr).toContain(`using the temporal CLI at ${fakeCli}`);
});

it('without Python but with a temporal CLI on PATH it succeeds', () => {
  const onPath = join(bin, 'temporal');
  copyFileSync(fakeCli, onPath);
  try {
    const result = install({});
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`using the temporal CLI at ${onPath}`);
  } finally {
    rmSync(onPath);
  }
});
