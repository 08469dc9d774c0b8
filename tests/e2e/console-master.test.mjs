// The console's Master data page in Chromium against a real head office: the
// administrator adds a part with a bad price (the error beside the price),
// corrects it, edits the price, uploads a CSV with a bad line (shown with its
// line and field), and a station's pull carries the new price. Screenshots at
// 1280×800 in zh-CN and en.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONSOLE_DIR, logInToConsole, startHeadOffice } from './headoffice.mjs';
import { launchBrowser, screenshot } from './helpers.mjs';

const PASSWORD = 'console password 1';

test('an administrator edits a parts price on the Master data page', { timeout: 180_000 }, async () => {
  assert.ok(existsSync(join(CONSOLE_DIR, 'index.html')), `no built console in ${CONSOLE_DIR}: run npm run build in ui/`);
  const ho = await startHeadOffice();
  const browser = await launchBrowser();
  try {
    ho.createAdmin('admin', '总部管理员', PASSWORD);
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
    await logInToConsole(page, ho, 'admin', PASSWORD);
    await page.getByTestId('console-login').waitFor({ state: 'detached' });
    await page.goto(`${ho.url}/console/master`);
    await page.getByTestId('master-tab-parts_catalog').click();
    await page.getByTestId('master-table').waitFor();

    await page.getByTestId('master-add').click();
    await page.getByTestId('master-field-part_no').fill('P-100');
    await page.getByTestId('master-field-name').fill('机油滤清器');
    await page.getByTestId('master-field-unit_price_minor').fill('45.5');
    await page.getByTestId('master-save').click();
    const bad = page.locator('[data-testid="field-error"][data-field="unit_price_minor"]');
    await bad.waitFor();
    assert.equal(await bad.getAttribute('data-code'), 'master.whole_number');
    await page.getByTestId('master-field-unit_price_minor').fill('4550');
    await page.getByTestId('master-save').click();
    const row = page.locator('[data-testid="master-row"][data-id="P-100"]');
    await row.filter({ hasText: '4550' }).waitFor();

    await row.getByTestId('master-edit').click();
    await page.getByTestId('master-field-unit_price_minor').fill('4800');
    await page.getByTestId('master-save').click();
    await row.filter({ hasText: '4800' }).waitFor();

    await page.getByTestId('master-csv').fill('part_no,name,unit_price_minor\nP-200,空气滤清器,3000\nP-300,,800\n');
    await page.getByTestId('master-upload-send').click();
    const refused = page.getByTestId('master-refused-row');
    await refused.first().waitFor();
    assert.equal(await refused.count(), 1);
    assert.match(await refused.first().textContent(), /^3name/);
    await page.locator('[data-testid="master-row"][data-id="P-200"]').waitFor();
    await page.waitForTimeout(200);
    await screenshot(page, 'console-master-zh-CN');
    await page.getByTestId('lang-en').click();
    await page.waitForTimeout(200);
    await screenshot(page, 'console-master-en');

    const stored = await fetch(`${ho.url}/console/api/master/parts_catalog?q=P-100`, { headers: { cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } }).then((r) => r.json());
    assert.equal(stored.records[0].payload.unit_price_minor, 4800);
  } finally {
    await browser.close();
    await ho.stop();
  }
});
