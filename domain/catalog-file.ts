// Validates a catalog file with its zod schema (outside the workflow bundle: zod stays out of the
// sandbox). The worker and the API check the shipped catalog at start-up, so a bad file stops them
// before any workflow reads it.
import { Catalog, catalogOf } from './catalog';
import { CatalogFile } from './schemas';

/** Validates a catalog file and fills in defaults; throws with every problem listed. */
export function parseCatalog(raw: unknown): Catalog {
  const parsed = CatalogFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `Invalid catalog: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return catalogOf(parsed.data);
}
