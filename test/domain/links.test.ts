// Links (a partner's website, a deliverable's uri) point to https: sites only (http: only to this
// machine, for development): never javascript:, data: or another scheme a console would run. The API
// (zod) and the workflows (the generated JSON Schemas) give the same answer.
import { PartnerProfile, Deliverable } from '../../domain/schemas';
import { MESSAGE_SCHEMAS, payloadIssues } from '../../workflows/payload-validation';
import { profile, report } from '../support/message-fixtures';

const refused = [
  'javascript:alert(1)',
  'JAVASCRIPT:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'file:///etc/passwd',
  'ftp://files.example/report.pdf',
  'http://files.example/report.pdf',
  'http://localhost.evil.example/',
  'https:///no-host',
];
const accepted = [
  'https://files.example/report.pdf',
  'https://contoso.example',
  'http://localhost:8080/report.pdf',
  'http://127.0.0.1/report.pdf',
];

const deliverable = report.deliverables[0];
const workflowAccepts = (uri: string) =>
  payloadIssues(MESSAGE_SCHEMAS.engagement.completionReportSubmitted, {
    ...report,
    deliverables: [{ ...deliverable, uri }, report.deliverables[1]],
  }).length === 0;

describe('links', () => {
  it.each(refused)('refuses %j as a website and a deliverable uri, in the API and the workflow', (link) => {
    expect(PartnerProfile.safeParse({ ...profile, website: link }).success).toBe(false);
    expect(Deliverable.safeParse({ ...deliverable, uri: link }).success).toBe(false);
    expect(workflowAccepts(link)).toBe(false);
    expect(
      payloadIssues(MESSAGE_SCHEMAS.partner.profileReplaced, { ...profile, website: link }).length,
    ).toBeGreaterThan(0);
  });

  it.each(accepted)('accepts %j everywhere', (link) => {
    expect(PartnerProfile.safeParse({ ...profile, website: link }).success).toBe(true);
    expect(Deliverable.safeParse({ ...deliverable, uri: link }).success).toBe(true);
    expect(workflowAccepts(link)).toBe(true);
  });
});
