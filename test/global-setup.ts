// Makes sure the pinned Temporal binaries are installed before any suite starts a server.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function globalSetup(): void {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'install-temporal.mjs')], { stdio: 'inherit' });
}
