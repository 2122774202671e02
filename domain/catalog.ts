// The program catalog: offerings, engagement types with stable codes, allowed lengths and the
// competencies that qualify a partner. Data in config/catalog.json. Its shape is validated with zod
// (parseCatalog in domain/catalog-file.ts) when the worker and the API start and in a test; this module
// is in the workflow bundle, so it only fills in defaults and refuses duplicate codes, without zod.
import catalogData from '../config/catalog.json';
import type { CatalogFile, CompetencyLevel, EngagementLength } from './schemas';

/** One offering as the catalog file writes it. */
export type OfferingEntry = CatalogFile['offerings'][number];

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

/** One offering of a catalog file as the program uses it: defaults filled in. */
export function offeringOf(entry: OfferingEntry): Offering {
  return {
    code: entry.code,
    name: entry.name,
    engagementTypes: entry.engagementTypes.map((t) => ({
      ...t,
      offering: entry.code,
      allowedDays: t.allowedDays ?? DEFAULT_ALLOWED_DAYS,
    })),
  };
}

/** The catalog of a well-formed catalog file: defaults filled in; throws on a duplicate code. */
export function catalogOf(file: CatalogFile): Catalog {
  const seen = new Set<string>();
  const claim = (code: string, what: string) => {
    if (seen.has(code)) throw new Error(`Invalid catalog: duplicate ${what} code ${code}`);
    seen.add(code);
  };
  for (const o of file.offerings) {
    claim(o.code, 'offering');
    for (const t of o.engagementTypes) claim(t.code, 'engagement type');
  }
  return { offerings: file.offerings.map(offeringOf) };
}

/** The program's catalog (config/catalog.json; parseCatalog checks the file at start-up). */
export const catalog: Catalog = catalogOf(catalogData as CatalogFile);
export { catalogData };

/**
 * A short fingerprint of a catalog file's content (FNV-1a, 32 bits, hex): it names the catalog
 * version a decision was made with. An identifier for people and logs, not a security check.
 */
export function catalogFingerprint(file: CatalogFile): string {
  let hash = 0x811c9dc5;
  for (const char of JSON.stringify(file)) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `catalog-${hash.toString(16).padStart(8, '0')}`;
}

let programCatalogVersion: string | undefined;

/**
 * The version of the program's catalog (config/catalog.json). Computed when first asked, not on
 * import: every workflow evaluates this module, and few of them need it.
 */
export function catalogVersion(): string {
  programCatalogVersion ??= catalogFingerprint(catalogData as CatalogFile);
  return programCatalogVersion;
}

/**
 * One offering's catalog entry as a workflow is sent it: the offering as in the catalog file (absent
 * when the catalog has no such offering) and the catalog's version. A workflow decides with the entry
 * it was sent, so editing the catalog never changes a decision on replay; only new messages see it.
 */
export interface CatalogOfferingEntry {
  version: string;
  offering?: OfferingEntry;
}

/** The catalog entry of an offering code, from the program's catalog (or another catalog file). */
export function catalogOffering(code: string, file: CatalogFile = catalogData as CatalogFile): CatalogOfferingEntry {
  const offering = file.offerings.find((o) => o.code === code);
  const version = file === catalogData ? catalogVersion() : catalogFingerprint(file);
  return offering ? { version, offering } : { version };
}

/** The one-offering catalog an entry stands for (empty when the offering was not in the catalog). */
export function catalogOfEntry(entry: CatalogOfferingEntry): Catalog {
  return { offerings: entry.offering ? [offeringOf(entry.offering)] : [] };
}

/** The entry an engagement of this type is started with: the type as the catalog has it now, and the catalog's version. */
export function engagementCatalogEntry(code: string): { version: string; type: EngagementType } | undefined {
  const type = findEngagementType(code);
  return type ? { version: catalogVersion(), type } : undefined;
}

/** The one-type catalog an engagement carries: the catalog entry it was started with. */
export function catalogOfType(type: EngagementType): Catalog {
  return { offerings: [{ code: type.offering, name: type.offering, engagementTypes: [type] }] };
}

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
