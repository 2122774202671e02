// The program catalog: offerings, engagement types with stable codes, allowed lengths and the
// competencies that qualify a partner. Data in config/catalog.json. Its shape is validated with zod
// (parseCatalog in domain/catalog-file.ts) when the worker and the API start and in a test; this module
// is in the workflow bundle, so it only fills in defaults and refuses duplicate codes, without zod.
import catalogData from '../config/catalog.json';
import type { CatalogFile, CompetencyLevel, EngagementLength } from './schemas';

export const DEFAULT_ALLOWED_DAYS: EngagementLength[] = [1, 3, 5, 10, 15];
export const MAX_ENGAGEMENT_DAYS = 15;
export const MAX_OFF_SITE_DAYS = 3;

export interface EngagementType {
  code: string;
  name: string;
  offering: string;
  allowedDays: EngagementLength[];
  qualifyingCompetencies: { area: string; minLevel: CompetencyLevel }[];
}

export interface Offering {
  code: string;
  name: string;
  engagementTypes: EngagementType[];
}

export interface Catalog {
  offerings: Offering[];
}

/** The catalog of a well-formed catalog file: defaults filled in; throws on a duplicate code. */
export function catalogOf(file: CatalogFile): Catalog {
  const seen = new Set<string>();
  const offerings = file.offerings.map((o) => {
    if (seen.has(o.code)) throw new Error(`Invalid catalog: duplicate offering code ${o.code}`);
    seen.add(o.code);
    return {
      code: o.code,
      name: o.name,
      engagementTypes: o.engagementTypes.map((t) => {
        if (seen.has(t.code)) throw new Error(`Invalid catalog: duplicate engagement type code ${t.code}`);
        seen.add(t.code);
        return { ...t, offering: o.code, allowedDays: t.allowedDays ?? DEFAULT_ALLOWED_DAYS };
      }),
    };
  });
  return { offerings };
}

/** The program's catalog (config/catalog.json; parseCatalog checks the file at start-up). */
export const catalog: Catalog = catalogOf(catalogData as CatalogFile);
export { catalogData };

export function findOffering(code: string, from: Catalog = catalog): Offering | undefined {
  return from.offerings.find((o) => o.code === code);
}

export function findEngagementType(code: string, from: Catalog = catalog): EngagementType | undefined {
  for (const o of from.offerings) {
    const t = o.engagementTypes.find((e) => e.code === code);
    if (t) return t;
  }
  return undefined;
}

export function competencyLevelRank(level: CompetencyLevel): number {
  return level === 'Gold' ? 2 : 1;
}
