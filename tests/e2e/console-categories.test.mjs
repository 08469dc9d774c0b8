// The complaint category tree on the console's Master data page, in Chromium
// against a real head office: the administrator opens a second-level entry,
// empties a third-level entry's English name and saves (the head office's
// error appears beside that name), names it, deactivates another entry, adds
// a third-level entry and saves; the head office serves the tree as saved. A
// quality manager opens Master data on this tab alone. Screenshots at 1280×800 in
// zh-CN and en.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONSOLE_DIR, logInToConsole, startHeadOffice } from './headoffice.mjs';
import { launchBrowser, screenshot } from './helpers.mjs';

const PASSWORD = 'console password 1';

test('an administrator renames a complaint category and sees the error beside the field', { timeout: 180_000 }, async () => {
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
    await page.getByTestId('master-tab-complaint_categories').click();
    await page.getByTestId('category-tree').waitFor();

    const node = (id) => page.locator(`[data-testid="category-node"][data-id="${id}"]`);
    await node('svc.attitude').getByTestId('category-toggle').first().click();
    const slow = node('svc.attitude.slow');
    await slow.waitFor();
    await slow.getByTestId('category-name-en').first().fill(' ');
    await page.getByTestId('category-save').click();
    const beside = slow.locator('[data-testid="field-error"][data-field="categories[0].children[0].children[0].name_en"]');
    await beside.waitFor();
    assert.equal(await beside.getAttribute('data-code'), 'category.name_required');
    assert.match(await beside.textContent(), /请填写中文和英文名称/);
    await page.waitForTimeout(200);
    await screenshot(page, 'console-categories-error-zh-CN');
    await page.getByTestId('lang-en').click();
    assert.match(await beside.textContent(), /Enter a name in Chinese and in English/);
    await screenshot(page, 'console-categories-error-en');
    await page.getByTestId('lang-zh').click();

    await slow.getByTestId('category-name-en').first().fill('Kept waiting at reception');
    await node('price').getByTestId('category-active').first().click();
    await node('svc.attitude').getByTestId('category-add-child').first().click();
    const added = page.locator('[data-testid="category-node"][data-path="categories[0].children[0].children[2]"]');
    await added.getByTestId('category-name-zh').fill('着装不整');
    await added.getByTestId('category-name-en').fill('Untidy staff');
    await page.getByTestId('category-save').click();
    await page.getByTestId('category-saved').waitFor();
    assert.equal(await page.locator('[data-testid="field-error"]').count(), 0, 'no error left');
    await node('svc.attitude').getByTestId('category-toggle').first().click();
    await node('svc.attitude.slow').waitFor();
    await page.waitForTimeout(200);
    await screenshot(page, 'console-categories-zh-CN');
    await page.getByTestId('lang-en').click();
    await page.waitForTimeout(200);
    await screenshot(page, 'console-categories-en');

    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const stored = await fetch(`${ho.url}/console/api/master/complaint-categories`, { headers: { cookie } }).then((r) => r.json());
    assert.equal(stored.source, 'head_office');
    assert.equal(stored.categories[0].children[0].children[0].name_en, 'Kept waiting at reception');
    assert.equal(stored.categories.find((c) => c.id === 'price').active, false);
    const untidy = stored.categories[0].children[0].children[2];
    assert.equal(untidy.name_zh, '着装不整');
    assert.match(untidy.id, /^svc\.attitude\.[0-9a-f]{8}$/, 'a new entry is given an id under its parent');

    // A quality manager opens Master data for this tab only.
    const qm = { login: 'quality', display_name: '质量经理', role: 'quality_manager', password: 'quality password', regions: [] };
    const made = await fetch(`${ho.url}/console/api/users`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(qm) });
    assert.equal(made.status, 200);
    await page.getByTestId('console-logout').click();
    const qmPage = page;
    await qmPage.getByTestId('login-name').fill('quality');
    await qmPage.getByTestId('login-password').fill('quality password');
    await qmPage.getByTestId('login-submit').click();
    await qmPage.getByTestId('console-login').waitFor({ state: 'detached' });
    await qmPage.getByTestId('nav-master').click();
    await qmPage.getByTestId('category-tree').waitFor();
    const tabs = await qmPage.locator('[data-testid^="master-tab-"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.deepEqual(tabs, ['master-tab-complaint_categories']);
    assert.equal(await qmPage.getByTestId('form-error').count(), 0, 'no refused master-data call behind the tab');
    await qmPage.waitForTimeout(200);
    await screenshot(qmPage, 'console-categories-quality-manager-en');
  } finally {
    await browser.close();
    await ho.stop();
  }
});
