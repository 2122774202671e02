// Builds the web console (console/ -> console/dist) with Vite when the build is missing or older than
// its sources. `npm start` (prestart) and the test suite's global set-up run it, so a fresh clone
// after `npm ci` serves a current console without a separate step.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const CONSOLE = join(ROOT, 'console');
export const CONSOLE_INDEX = join(CONSOLE, 'dist', 'index.html');

/** Sources of the build: the console's files and the domain code it imports (the transition table). */
const SOURCES = [
  join(CONSOLE, 'src'),
  join(CONSOLE, 'index.html'),
  join(CONSOLE, 'vite.config.mts'),
  join(ROOT, 'domain'),
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

export function isConsoleBuildStale(): boolean {
  if (!existsSync(CONSOLE_INDEX)) return true;
  const built = statSync(CONSOLE_INDEX).mtimeMs;
  return SOURCES.some((source) => newestMtime(source) > built);
}

/** Builds when stale; returns whether it built. Without Vite (a production install) it says so and does nothing. */
export function ensureConsoleBuilt({ force = false } = {}): boolean {
  if (!force && !isConsoleBuildStale()) return false;
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    console.warn('console: vite is not installed (npm ci without dev dependencies?); the console is not built');
    return false;
  }
  execFileSync(process.execPath, [vite, 'build', '--config', join(CONSOLE, 'vite.config.mts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return true;
}

if (require.main === module) {
  const built = ensureConsoleBuilt({ force: process.argv.includes('--force') });
  console.log(built ? `console built into ${join(CONSOLE, 'dist')}` : 'console build is current');
}
