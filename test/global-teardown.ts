// Stops the run's embedded PostgreSQL (test/global-setup.ts) and removes its scratch directory.
import { rmSync } from 'node:fs';
import type { EmbeddedPostgres } from '../records/embedded';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __recordServer?: EmbeddedPostgres }).__recordServer;
  if (!server) return;
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
}
