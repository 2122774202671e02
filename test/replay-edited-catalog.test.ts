// Replays the partner entity's committed histories with a workflow bundle whose catalog was edited
// (every DDPS engagement type asks for another competency): enrollments and renewals sent with their
// catalog entry replay the same decisions; one recorded before entries travelled in the message
// takes the other path on replay and is caught as non-deterministic, which is why they travel now.
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogData } from '../domain/catalog';
import type { CatalogFile } from '../domain/schemas';

const histories = join(__dirname, 'histories');
const bundledCatalog = join(__dirname, '..', 'config', 'catalog.json');
let dir: string;
let editedCatalog: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edited-catalog-'));
  editedCatalog = join(dir, 'catalog.json');
  const file = catalogData as CatalogFile;
  const edited: CatalogFile = {
    offerings: file.offerings.map((o) =>
      o.code !== 'DDPS'
        ? o
        : {
            ...o,
            engagementTypes: o.engagementTypes.map((t) => ({
              ...t,
              qualifyingCompetencies: [{ area: 'Cloud CRM', minLevel: 'Gold' as const }],
            })),
          },
    ),
  };
  writeFileSync(editedCatalog, JSON.stringify(edited));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Replays one committed history with the catalog file swapped for the edited one in the bundle. */
function replayWithEditedCatalog(file: string): Promise<void> {
  return Worker.runReplayHistory(
    {
      workflowsPath: require.resolve('../workflows'),
      replayName: `edited-catalog-${file}`,
      bundlerOptions: {
        webpackConfigHook: (config) => ({
          ...config,
          resolve: { ...config.resolve, alias: { ...config.resolve?.alias, [bundledCatalog]: editedCatalog } },
        }),
      },
    },
    JSON.parse(readFileSync(join(histories, file), 'utf8')) as unknown,
    `replay-${file}`,
  );
}

test('a partner whose enrollment and renewal carried their catalog entry replays the same with an edited catalog', async () => {
  await expect(replayWithEditedCatalog('partner-v3-partner.json')).resolves.toBeUndefined();
});

test('a partner enrolled before catalog entries travelled would change on replay: caught as non-deterministic', async () => {
  await expect(replayWithEditedCatalog('partner-v2.json')).rejects.toBeInstanceOf(DeterminismViolationError);
});
