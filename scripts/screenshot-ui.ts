// Screenshots of the Temporal UI for the README: one engagement's page with its summary, current
// details and search attributes. Needs Debian's chromium (apt-get install chromium) and a running
// stack with at least one engagement. Usage:
//   npx tsx scripts/screenshot-ui.ts <ui base url> <workflow id> [out dir]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

async function main(): Promise<void> {
  const [base = 'http://localhost:8233', workflowId = 'engagement-V-1001', out = join(__dirname, '..', 'docs')] =
    process.argv.slice(2);
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // Closed network: no background connections, no first-run or sync traffic.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(`${base}/namespaces/default/workflows/${workflowId}`);
    await page.getByText(workflowId).first().waitFor();
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await page.screenshot({ path: join(out, 'temporal-ui-engagement.png') });
    for (const [tab, file] of [
      ['User Metadata', 'temporal-ui-engagement-metadata.png'],
      ['Search Attributes', 'temporal-ui-engagement-search-attributes.png'],
    ] as const) {
      await page
        .getByRole('tab', { name: tab })
        .or(page.getByText(tab, { exact: true }))
        .first()
        .click();
      await page.waitForTimeout(1500); // let the tab render; this is a picture, not a test
      await page.screenshot({ path: join(out, file) });
    }
    console.log(`screenshots written to ${out}`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
