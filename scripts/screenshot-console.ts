// Screenshots of every console page for the README (docs/console-*.png), from a running stack: it
// starts one (Temporal dev server, worker, API, SAVB simulator: test/support/dev-stack.ts), fills it
// through the API with a few engagements in different statuses, and photographs each page in
// Chromium at laptop size and a phone page. Usage: npm run console:screenshots [out dir]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser';
import { eventually, http, startDevStack, type DevStack } from '../test/support/dev-stack';
import { profile, SHA } from '../test/support/message-fixtures';

const today = new Date().toISOString().slice(0, 10);
const customer = (n: number) => ({
  agreementNumber: `AGR-10${n}`,
  name: 'Fabrikam',
  country: 'US',
  projectManagerEmail: 'pm@fabrikam.example',
  enrollmentEndsAt: '2030-06-30',
});
const report = {
  consultantId: 'c-ana',
  deliveredFrom: today,
  deliveredTo: today,
  onSiteDays: 1,
  offSiteDays: 0,
  deliverables: [
    { kind: 'COMPLETION_REPORT', title: 'Completion report', uri: 'https://files.example/cr.pdf', sha256: SHA },
    {
      kind: 'CUSTOMER_PLANNING_DELIVERABLE',
      title: 'Vision and scope',
      uri: 'https://files.example/vs.pdf',
      sha256: SHA,
    },
  ],
};

async function call(stack: DevStack, as: string, method: string, path: string, body?: unknown): Promise<void> {
  const res = await http(stack, method, path, { as, body });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
}

/** Engagements of contoso in several statuses, one waiting for SAVB registration. */
async function seed(stack: DevStack): Promise<void> {
  await call(stack, 'backoffice', 'PUT', '/v1/partners/contoso', profile);
  await call(stack, 'contoso', 'POST', '/v1/partners/contoso/enrollments', { offering: 'DDPS' });
  const steps: [string, unknown][] = [
    ['forwarding', { partnerId: 'contoso', projectManagerEmail: 'pm@fabrikam.example' }],
    [
      'reservation',
      { locationId: 'SEA-1', consultantId: 'c-ana', startDate: today, endDate: today, deliveryCountry: 'US' },
    ],
    ['completion-report', report],
    ['redemption', {}],
  ];
  const plan = [1, 1, 2, 3, 4, 4];
  for (const [n, stepCount] of plan.entries()) {
    const voucherId = `V-100${n + 1}`;
    await call(stack, 'backoffice', 'POST', '/v1/engagements', {
      voucherId,
      offering: 'DDPS',
      engagementType: 'DDPS-WINDOWS-OFFICE',
      days: 1,
      assignedAt: new Date(Date.now() - n * 20 * 86_400_000).toISOString(),
      customer: customer(n),
    });
    for (const [step, body] of steps.slice(0, stepCount))
      await call(stack, 'contoso', 'POST', `/v1/engagements/${voucherId}/${step}`, body);
  }
  await eventually(
    () =>
      http<{ items: unknown[] }>(stack, 'GET', '/v1/engagements?status=AWAITING_SAVB_REGISTRATION', { as: 'operator' }),
    (res) => res.body.items.length === 2,
    { what: 'two engagements waiting for SAVB registration', timeoutMs: 30_000 },
  );
}

async function signIn(page: Page, stack: DevStack, who: string): Promise<void> {
  await page.goto(`${stack.baseUrl}/console/`);
  const role = who === 'backoffice' || who === 'operator' ? who : 'partner';
  await page.getByLabel('I am').selectOption(role);
  if (role === 'partner') await page.getByLabel('Partner ID').fill(who);
  await page.getByLabel('Token').fill(stack.auth(who).authorization.slice('Bearer '.length));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function shoot(browser: Browser, stack: DevStack, out: string): Promise<void> {
  const laptop = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const snap = (page: Page, name: string) =>
    page.screenshot({ path: join(out, `console-${name}.png`), fullPage: true });
  await laptop.goto(`${stack.baseUrl}/console/`);
  await snap(laptop, 'sign-in');

  await signIn(laptop, stack, 'contoso');
  await laptop.getByRole('cell', { name: 'V-1006' }).waitFor();
  await snap(laptop, 'partner-engagements');
  await laptop.goto(`${stack.baseUrl}/console/engagements/V-1003`);
  await laptop.getByRole('heading', { name: 'Completion report' }).waitFor();
  await snap(laptop, 'partner-engagement');
  await laptop.goto(`${stack.baseUrl}/console/engagements/V-1002`);
  await laptop.getByLabel('Location ID').fill('SEA-1');
  await laptop.getByLabel('Consultant ID').fill('c-ana');
  await laptop.getByLabel('Delivery country').fill('DE');
  await laptop.getByRole('button', { name: 'Reserve' }).click();
  await laptop.locator('[data-field-error="locationId"]').waitFor();
  await snap(laptop, 'partner-refusal');
  await laptop.getByRole('link', { name: 'Eligibility' }).click();
  await laptop.getByRole('cell', { name: 'Yes', exact: true }).first().waitFor();
  await snap(laptop, 'partner-eligibility');
  await laptop.getByRole('link', { name: 'Profile and enrollments' }).click();
  await laptop.getByRole('heading', { name: 'Enrollments' }).waitFor();
  await snap(laptop, 'partner-profile');

  await laptop.getByRole('button', { name: 'Sign out' }).click();
  await signIn(laptop, stack, 'backoffice');
  await laptop.getByRole('link', { name: 'Start an engagement' }).click();
  await laptop.getByLabel('Engagement type').locator('option').first().waitFor({ state: 'attached' });
  await snap(laptop, 'backoffice-start');
  await laptop.goto(`${stack.baseUrl}/console/partners/contoso`);
  await laptop.getByRole('heading', { name: 'Eligibility' }).waitFor();
  await snap(laptop, 'backoffice-partners');
  await laptop.getByRole('link', { name: 'Reports' }).click();
  await laptop.getByRole('button', { name: 'Show' }).click();
  await laptop.getByRole('status').or(laptop.getByRole('table')).first().waitFor();
  await snap(laptop, 'backoffice-reports');

  await laptop.getByRole('button', { name: 'Sign out' }).click();
  await signIn(laptop, stack, 'operator');
  await laptop.goto(`${stack.baseUrl}/console/engagements/V-1005`);
  await laptop.getByTestId('state-diagram').waitFor();
  await snap(laptop, 'operator-engagement');
  stack.savb!.register!('contoso', 'DDPS');
  await laptop.getByRole('link', { name: 'Bulk actions' }).click();
  await laptop.getByLabel('Partner ID').fill('contoso');
  await laptop.getByRole('button', { name: 'Find waiting invoices' }).click();
  await laptop.getByRole('button', { name: /Retry 2 invoices/ }).click();
  await laptop.getByText('Progress: 2 of 2 done').waitFor();
  await snap(laptop, 'operator-bulk');

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await signIn(phone, stack, 'contoso');
  await phone.goto(`${stack.baseUrl}/console/engagements/V-1003`);
  await phone.getByTestId('state-diagram').waitFor();
  await phone.screenshot({ path: join(out, 'console-phone-engagement.png'), fullPage: true });
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? join(__dirname, '..', 'docs');
  mkdirSync(out, { recursive: true });
  const [stack, browser] = await Promise.all([
    startDevStack({ env: { SAVB_REGISTRATION_RETRY_INTERVAL: '1 hour' } }),
    launchBrowser(),
  ]);
  try {
    await seed(stack);
    await shoot(browser, stack, out);
    console.log(`screenshots written to ${out}`);
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
