// Who looked at customers' data, in the head-office console (issue 12),
// against a real head office: two stations push their access registers (as
// their sync does) and SH01 uses a head-office lookup result for BJ01's
// customer. The quality manager reads every station's register newest first,
// narrows it to SH01 and one advisor, then to one customer by clicking them,
// and reads the lookup grants; a regional manager of East sees SH01's entries
// and grants only. Screenshots of both pages in zh-CN and en at 1280×800.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logInToConsole, pushingStation, qualityManager, startHeadOffice } from './headoffice.mjs';
import { launchBrowser, screenshot, uiText } from './helpers.mjs';

const minutesAgo = (m) => new Date(Date.now() - m * 60_000).toISOString();
const entry = (id, staff, kind, customer, ro, reason, at) => ({
  entity: 'access_entry',
  id,
  payload: { id, staff_id: staff, staff_role: 'advisor', kind, customer_id: customer, ro_id: ro, subject_id: ro ?? customer, reason, at },
});
const customer = (id, no, name, phone) => ({ entity: 'customer', id, payload: { id, customer_no: no, name, phones: [phone], consent_data: true, merged_into: null } });
const staff = (id, name) => ({ entity: 'staff', id, payload: { id, name, role: 'advisor', active: true } });

/** The first administrator's session (made by `qualityManager`), for setting regions and making users. */
async function adminCall(ho, method, path, body) {
  const login = await fetch(`${ho.url}/console/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: 'console password 1' }) });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const r = await fetch(`${ho.url}${path}`, { method, headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}

async function rowIds(page, testid) {
  return page.getByTestId(testid).evaluateAll((rows) => rows.map((r) => r.dataset.id ?? r.dataset.station));
}

test('a quality manager reads the access registers and lookup grants of every station; a regional manager only their region\'s', { timeout: 180_000 }, async () => {
  const ho = await startHeadOffice();
  const browser = await launchBrowser();
  try {
    await qualityManager(ho);
    const sh = await pushingStation(ho, 'SH01', '上海一店');
    const bj = await pushingStation(ho, 'BJ01', '北京一店');
    await sh.push([
      staff('li', '李顾问'),
      staff('zhang', '张顾问'),
      customer('c-wang', 'SH01-C-000001', '王芳', '13812345678'),
      customer('c-sun', 'SH01-C-000002', '孙丽', '13812340000'),
      { entity: 'repair_order', id: 'ro1', payload: { id: 'ro1', number: 'SH01-RO-20261201-001', status: 'checked_in' } },
      entry('a1', 'li', 'customer', 'c-wang', null, null, minutesAgo(50)),
      entry('a2', 'li', 'order', 'c-wang', 'ro1', null, minutesAgo(40)),
      entry('a3', 'li', 'contact', 'c-wang', 'ro1', 'call_customer', minutesAgo(30)),
      entry('a4', 'zhang', 'customer', 'c-sun', null, null, minutesAgo(20)),
    ]);
    await bj.push([staff('zhao', '赵顾问'), customer('c-liu', 'BJ01-C-000001', '刘强', '13900001111'), entry('b1', 'zhao', 'customer', 'c-liu', null, null, minutesAgo(10))]);
    // SH01's advisor finds BJ01's customer at the head office by phone and uses the result.
    await sh.adopt({ kind: 'phone', value: '13900001111', entity: 'customer', entity_id: 'c-liu', staff_id: 'li', staff_name: '李顾问' });
    await adminCall(ho, 'PUT', `/console/api/stations/${sh.id}/region`, { region: 'East' });
    await adminCall(ho, 'PUT', `/console/api/stations/${bj.id}/region`, { region: 'West' });
    await adminCall(ho, 'POST', '/console/api/users', { login: 'east', display_name: '华东区域经理 陈', role: 'regional_manager', password: 'east password 1', regions: ['East'] });

    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
    try {
      await logInToConsole(page, ho, 'zhoumin', 'quality password 1');
      await page.getByTestId('nav-privacy').click();
      const rows = page.getByTestId('register-row');
      await rows.nth(4).waitFor();
      assert.deepEqual(await rowIds(page, 'register-row'), ['b1', 'a4', 'a3', 'a2', 'a1'], 'newest first, both stations');
      const contact = page.locator('[data-testid=register-row][data-id=a3]');
      assert.match(await contact.textContent(), new RegExp(uiText('privacy.reasons.call_customer', 'zh-CN')));
      assert.match(await contact.textContent(), /SH01-C-000001 王\*/, 'the customer by number and masked name');
      assert.doesNotMatch(await page.getByTestId('register-table').textContent(), /王芳|13812345678/);
      assert.equal(await page.getByTestId('filter-staff').isDisabled(), true, 'staff are chosen within a station');
      await screenshot(page, 'console-access-register-zh-CN');

      await page.getByTestId('filter-station').selectOption({ label: 'SH01 上海一店' });
      await page.locator('[data-testid=filter-staff] option', { hasText: '李顾问' }).waitFor({ state: 'attached' });
      await page.getByTestId('filter-staff').selectOption({ label: '李顾问' });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=register-row]').length === 3);
      assert.deepEqual(await rowIds(page, 'register-row'), ['a3', 'a2', 'a1']);
      assert.match(page.url(), /staff=li/, 'the filters are in the address');
      await page.getByTestId('lang-en').click();
      await page.locator('h1', { hasText: uiText('console.privacy.title', 'en') }).waitFor();
      await screenshot(page, 'console-access-register-en');
      await page.getByTestId('lang-zh').click();

      await page.goto(`${ho.url}/console/privacy`);
      await rows.nth(4).waitFor();
      await page.locator('[data-testid=register-row][data-id=a4] [data-testid=register-customer]').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=register-row]').length === 1);
      assert.deepEqual(await rowIds(page, 'register-row'), ['a4'], 'clicking a customer shows only their entries');

      await page.getByTestId('privacy-tab-grants').click();
      const grants = page.getByTestId('grant-row');
      await grants.first().waitFor();
      assert.equal(await grants.count(), 1);
      const grant = await grants.first().textContent();
      assert.match(grant, /SH01/);
      assert.match(grant, /李顾问/);
      assert.match(grant, /BJ01-C-000001 刘\*/);
      assert.match(grant, new RegExp(uiText('console.privacy.lookup_kinds.phone', 'zh-CN')));
      await screenshot(page, 'console-lookup-grants-zh-CN');
      await page.getByTestId('lang-en').click();
      await page.locator('th', { hasText: uiText('console.privacy.granted_to', 'en') }).waitFor();
      await screenshot(page, 'console-lookup-grants-en');
      await page.getByTestId('lang-zh').click();

      await page.getByTestId('console-logout').click();
      await page.getByTestId('login-name').waitFor();
      await logInToConsole(page, ho, 'east', 'east password 1');
      await page.getByTestId('nav-privacy').click();
      await rows.nth(3).waitFor();
      assert.deepEqual(await rowIds(page, 'register-row'), ['a4', 'a3', 'a2', 'a1'], "East's manager sees SH01's register, not BJ01's");
      const options = await page.getByTestId('filter-station').locator('option').allTextContents();
      assert.ok(!options.some((o) => o.includes('BJ01')), `no West station to choose: ${options}`);
      await page.getByTestId('privacy-tab-grants').click();
      await grants.first().waitFor();
      assert.deepEqual(await rowIds(page, 'grant-row'), ['SH01']);
    } catch (e) {
      await screenshot(page, 'console-privacy-failure').catch(() => undefined);
      throw e;
    }
  } finally {
    await browser.close();
    await ho.stop();
  }
});
