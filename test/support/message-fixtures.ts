// Valid message bodies, shared by the schema tests (the API's zod schemas) and the workflows'
// payload-check tests (the JSON Schemas generated from them).
export const SHA = '0123456789abcdef'.repeat(4);

export const reservation = {
  locationId: 'SEA-1',
  consultantId: 'c-ana',
  startDate: '2026-03-09',
  endDate: '2026-03-13',
  deliveryCountry: 'US',
};

export const report = {
  consultantId: 'c-ana',
  deliveredFrom: '2026-03-09',
  deliveredTo: '2026-03-13',
  onSiteDays: 3,
  offSiteDays: 2,
  deliverables: [
    {
      kind: 'COMPLETION_REPORT' as const,
      title: 'Completion report',
      uri: 'https://files.example/cr.pdf',
      sha256: SHA,
    },
    {
      kind: 'CUSTOMER_PLANNING_DELIVERABLE' as const,
      title: 'Vision and scope',
      uri: 'https://files.example/vs.pdf',
      sha256: SHA,
    },
  ],
};

export const profile = {
  name: 'Contoso Consulting',
  website: 'https://contoso.example',
  locations: [{ locationId: 'SEA-1', country: 'US' }],
  competencies: [{ area: 'Windows and Devices', level: 'Silver', expiresAt: '2027-01-31' }],
  consultants: [
    {
      consultantId: 'c-ana',
      name: 'Ana',
      exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2025-05-01' }],
    },
  ],
};
