// The catalog shipped in config/catalog.json against the program's table (SPEC §2), and the
// validation that makes a bad catalog fail at start-up with a clear message, and the versioned entry
// of one offering that the API sends to the workflows.
import catalogJson from '../../config/catalog.json';
import {
  DEFAULT_ALLOWED_DAYS,
  MAX_ENGAGEMENT_DAYS,
  MAX_OFF_SITE_DAYS,
  catalog,
  catalogData,
  catalogFingerprint,
  catalogOfEntry,
  catalogOffering,
  catalogVersion,
  competencyLevelRank,
  findEngagementType,
  findOffering,
} from '../../domain/catalog';
import { parseCatalog } from '../../domain/catalog-file';
import type { CatalogFile } from '../../domain/schemas';

type Row = [offering: string, typeName: string, code: string, competencies: [string, 'Silver' | 'Gold'][]];

// The program's table. The codes are part of the contract: they must never change.
const PROGRAM: Row[] = [
  ['DDPS', 'Windows and Office Deployment Planning', 'DDPS-WINDOWS-OFFICE', [['Windows and Devices', 'Silver']]],
  [
    'DDPS',
    'Mobile Productivity Deployment Planning',
    'DDPS-MOBILE-PRODUCTIVITY',
    [
      ['Enterprise Mobility Management', 'Silver'],
      ['Windows and Devices', 'Silver'],
    ],
  ],
  [
    'DDPS',
    'Modern IT Enterprise Security Proof of Concept',
    'DDPS-MODERN-IT-SECURITY-POC',
    [['Enterprise Mobility Management', 'Silver']],
  ],
  [
    'DYDPS',
    'Upgrading Dynamics 365 Customer Engagement',
    'DYDPS-CE-UPGRADE',
    [
      ['Cloud Business Applications', 'Silver'],
      ['Cloud CRM', 'Silver'],
    ],
  ],
  [
    'DYDPS',
    'Migrating to Dynamics 365 Customer Engagement',
    'DYDPS-CE-MIGRATION',
    [
      ['Cloud Business Applications', 'Silver'],
      ['Cloud CRM', 'Silver'],
    ],
  ],
  [
    'DYDPS',
    'Upgrading Dynamics 365 Finance and Operations',
    'DYDPS-FO-UPGRADE',
    [['Enterprise Resource Planning', 'Gold']],
  ],
  ['PVDPS', 'Modernizing Your Windows Server Platform', 'PVDPS-WINDOWS-SERVER', [['Datacenter', 'Silver']]],
  ['SDPS', 'SharePoint Deployment Planning', 'SDPS-SHAREPOINT', [['Collaboration and Content', 'Silver']]],
  [
    'SDPS',
    'Project and Portfolio Management Solution Planning',
    'SDPS-PPM',
    [['Project and Portfolio Management', 'Silver']],
  ],
  ['S-EDPS', 'Exchange Deployment Planning', 'S-EDPS-EXCHANGE', [['Messaging', 'Silver']]],
  ['S-EDPS', 'Skype for Business Deployment Planning', 'S-EDPS-SKYPE', [['Communications', 'Silver']]],
  [
    'SSDPS',
    'Data Estate Modernization',
    'SSDPS-DATA-ESTATE',
    [
      ['Data Analytics', 'Gold'],
      ['Data Platform', 'Gold'],
    ],
  ],
];

const allTypes = () => catalog.offerings.flatMap((o) => o.engagementTypes);

describe('the shipped catalog', () => {
  it('has exactly the offerings of the program', () => {
    expect(catalog.offerings.map((o) => o.code)).toEqual(['DDPS', 'DYDPS', 'PVDPS', 'SDPS', 'S-EDPS', 'SSDPS']);
    for (const o of catalog.offerings) expect(o.name.length).toBeGreaterThan(0);
  });

  it.each(PROGRAM)('%s offers "%s" as %s with its qualifying competencies', (offering, name, code, competencies) => {
    const type = findEngagementType(code);
    expect(type).toBeDefined();
    expect(type).toMatchObject({ code, name, offering });
    expect(type!.qualifyingCompetencies).toEqual(competencies.map(([area, minLevel]) => ({ area, minLevel })));
    expect(findOffering(offering)!.engagementTypes).toContain(type);
  });

  it('has no engagement type beyond the program table', () => {
    expect(
      allTypes()
        .map((t) => t.code)
        .sort(),
    ).toEqual(PROGRAM.map((r) => r[2]).sort());
  });

  it('gives every offering and engagement type a unique, URL-safe code', () => {
    const all = [...catalog.offerings.map((o) => o.code), ...allTypes().map((t) => t.code)];
    expect(new Set(all).size).toBe(all.length);
    for (const code of all) expect(code).toMatch(/^[A-Z0-9-]+$/);
  });

  it('allows 1, 3, 5, 10 and 15 days unless a type says otherwise', () => {
    expect(DEFAULT_ALLOWED_DAYS).toEqual([1, 3, 5, 10, 15]);
    for (const t of allTypes()) expect(t.allowedDays).toEqual([1, 3, 5, 10, 15]);
  });

  it('never exceeds 15 days, at most 3 of them off-site', () => {
    expect(MAX_ENGAGEMENT_DAYS).toBe(15);
    expect(MAX_OFF_SITE_DAYS).toBe(3);
    for (const t of allTypes()) expect(Math.max(...t.allowedDays)).toBeLessThanOrEqual(MAX_ENGAGEMENT_DAYS);
  });

  it('is the file config/catalog.json', () => {
    expect(parseCatalog(catalogJson)).toEqual(catalog);
  });

  it('finds nothing for unknown codes', () => {
    expect(findOffering('NOPE')).toBeUndefined();
    expect(findEngagementType('NOPE')).toBeUndefined();
  });

  it('ranks Gold above Silver', () => {
    expect(competencyLevelRank('Gold')).toBeGreaterThan(competencyLevelRank('Silver'));
  });
});

describe('parseCatalog', () => {
  const type = (code: string, extra: Record<string, unknown> = {}) => ({
    code,
    name: `Type ${code}`,
    qualifyingCompetencies: [{ area: 'Datacenter', minLevel: 'Silver' }],
    ...extra,
  });
  const offering = (code: string, types: unknown[]) => ({ code, name: `Offering ${code}`, engagementTypes: types });

  it("keeps a type's own subset of days and fills in the default elsewhere", () => {
    const parsed = parseCatalog({ offerings: [offering('X', [type('X-A', { allowedDays: [1, 3] }), type('X-B')])] });
    expect(parsed.offerings[0].engagementTypes.map((t) => [t.code, t.offering, t.allowedDays])).toEqual([
      ['X-A', 'X', [1, 3]],
      ['X-B', 'X', [1, 3, 5, 10, 15]],
    ]);
  });

  it('refuses a duplicate offering code', () => {
    expect(() => parseCatalog({ offerings: [offering('X', [type('X-A')]), offering('X', [type('X-B')])] })).toThrow(
      'Invalid catalog: duplicate offering code X',
    );
  });

  it('refuses a duplicate engagement type code, also across offerings', () => {
    expect(() => parseCatalog({ offerings: [offering('X', [type('T-1'), type('T-1')])] })).toThrow(
      'Invalid catalog: duplicate engagement type code T-1',
    );
    expect(() => parseCatalog({ offerings: [offering('X', [type('T-1')]), offering('Y', [type('T-1')])] })).toThrow(
      'duplicate engagement type code T-1',
    );
  });

  it.each<[string, unknown, string]>([
    [
      'a length the program does not have',
      { offerings: [offering('X', [type('X-A', { allowedDays: [2] })])] },
      'offerings.0.engagementTypes.0.allowedDays.0',
    ],
    ['more than 15 days', { offerings: [offering('X', [type('X-A', { allowedDays: [20] })])] }, 'allowedDays'],
    [
      'an unknown competency level',
      {
        offerings: [
          offering('X', [type('X-A', { qualifyingCompetencies: [{ area: 'Datacenter', minLevel: 'Bronze' }] })]),
        ],
      },
      'minLevel',
    ],
    [
      'a type without qualifying competencies',
      { offerings: [offering('X', [type('X-A', { qualifyingCompetencies: [] })])] },
      'qualifyingCompetencies',
    ],
    ['an offering without types', { offerings: [offering('X', [])] }, 'offerings.0.engagementTypes'],
    ['no offerings', { offerings: [] }, 'offerings'],
    ['a lower-case code', { offerings: [offering('x', [type('X-A')])] }, 'offerings.0.code'],
    ['an unknown field', { offerings: [offering('X', [type('X-A', { price: 3 })])] }, 'price'],
    ['a missing name', { offerings: [{ code: 'X', engagementTypes: [type('X-A')] }] }, 'offerings.0.name'],
  ])('refuses %s, naming where', (_what, raw, where) => {
    expect(() => parseCatalog(raw)).toThrow(/^Invalid catalog: /);
    expect(() => parseCatalog(raw)).toThrow(where);
  });

  it('refuses something that is not a catalog at all', () => {
    expect(() => parseCatalog(null)).toThrow(/^Invalid catalog: /);
    expect(() => parseCatalog('catalog')).toThrow(/^Invalid catalog: /);
  });

  it('lists every problem, not just the first', () => {
    let message = '';
    try {
      parseCatalog({ offerings: [offering('x', [type('X-A', { allowedDays: [2] })])] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('offerings.0.code');
    expect(message).toContain('allowedDays');
  });
});

describe('catalogOffering (the entry a workflow is sent)', () => {
  it("is the offering as the catalog file writes it, with the catalog's version", () => {
    const entry = catalogOffering('SDPS');
    expect(entry.version).toBe(catalogVersion());
    expect(entry.version).toMatch(/^catalog-[0-9a-f]{8}$/);
    expect(catalogOfEntry(entry)).toEqual({ offerings: [findOffering('SDPS')] });
  });

  it('has no offering for a code the catalog lacks, and stands for an empty catalog then', () => {
    const entry = catalogOffering('NOPE');
    expect(entry).toEqual({ version: catalogVersion() });
    expect(catalogOfEntry(entry)).toEqual({ offerings: [] });
  });

  it('gets another version when the catalog changes', () => {
    const file = catalogData as CatalogFile;
    const edited: CatalogFile = { offerings: file.offerings.map((o) => ({ ...o, name: `${o.name} (new)` })) };
    expect(catalogOffering('SDPS', edited).version).not.toBe(catalogVersion());
    expect(catalogFingerprint(file)).toBe(catalogVersion());
  });
});
