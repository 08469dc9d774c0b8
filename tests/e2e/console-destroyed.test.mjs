// A customer destroyed past retention in the head-office console (issue 12),
// against a real head office: SH01 destroys 王芳 while BJ01, which adopted her
// by a lookup, still holds her, so the head office keeps her record. SH01's
// complaint and SH01's access-register rows then say "destroyed" in the
// reader's language and never show her name; BJ01's rows still show her,
// masked. Screenshots of the complaint page and the register in zh-CN and en.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logInToConsole, pushingStation, qualityManager, startHeadOffice } from './headoffice.mjs';
import { launchBrowser, screenshot, uiText } from './helpers.mjs';

const minutesAgo = (m) => new Date(Date.now() - m * 60_000).toISOString();
const entry = (id, staff, customer, at) => ({
  entity: 'access_entry',
  id,
  payload: { id, staff_id: staff, staff_role: 'advisor', kind: 'customer', customer_id: customer, ro_id: null, subject_id: customer, reason: null, at },
});

test('a customer one station destroyed reads as destroyed on its complaint and register rows while the head office keeps her for another', { timeout: 180_000 }, async () => {
  const ho = await startHeadOffice();
  const browser = await launchBrowser();
  try {
    await qualityManager(ho);
    const sh = await pushingStation(ho, 'SH01', '上海一店');
    const bj = await pushingStation(ho, 'BJ01', '北京一店');
    await sh.push([
      { entity: 'staff', id: 'li', payload: { id: 'li', name: '李顾问', role: 'advisor', active: true } },
      { entity: 'customer', id: 'c-wang', payload: { id: 'c-wang', customer_no: 'SH01-C-000001', name: '王芳', phones: ['13812345678'], consent_data: true, merged_into: null } },
      { entity: 'vehicle', id: 'v-wang', payload: { id: 'v-wang', customer_id: 'c-wang', plate: '沪A12345', vin: 'LSVAM4187C2184529', make: 'Volkswagen', model: '朗逸' } },
      {
        entity: 'complaint',
        id: 'sh-1',
        payload: {
          id: 'sh-1', number: 'SH01-TS-20261201-001', status: 'closed', severity: 'normal', channel: 'phone', category_id: 'svc.attitude.slow',
          category_path: [{ id: 'svc', name_zh: '服务', name_en: 'Service' }, { id: 'svc.attitude', name_zh: '服务态度', name_en: 'Attitude' }, { id: 'svc.attitude.slow', name_zh: '接待不及时', name_en: 'Kept waiting' }],
          description: '', contact_name: '', contact_phone: '', customer_id: 'c-wang', vehicle_id: 'v-wang', received_by: 'li', owner_id: 'li',
          received_at: minutesAgo(600), closed_at: minutesAgo(300), version: 3,
        },
      },
      entry('a1', 'li', 'c-wang', minutesAgo(50)),
    ]);
    await bj.push([{ entity: 'staff', id: 'zhao', payload: { id: 'zhao', name: '赵顾问', role: 'advisor', active: true } }]);
    await bj.adopt({ kind: 'phone', value: '13812345678', entity: 'customer', entity_id: 'c-wang', staff_id: 'zhao', staff_name: '赵顾问' });
    await bj.push([entry('b1', 'zhao', 'c-wang', minutesAgo(10))]);
    // SH01's retention runs out: its destruction and her anonymised fields; the head office keeps her for BJ01.
    await sh.push([
      {
        entity: 'destruction',
        id: 'd-1',
        payload: { id: 'd-1', run_id: 'run-1', kind: 'complaint', subject_id: 'sh-1', number: 'SH01-TS-20261201-001', destroyed_at: minutesAgo(5),
          documents: [], erase: [], patch: [], files: [], customers: ['c-wang'], vehicles: ['v-wang'] },
      },
      { entity: 'customer', id: 'c-wang', payload: { id: 'c-wang', name: '已销毁', phones: [] } },
    ]);

    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
    try {
      await logInToConsole(page, ho, 'zhoumin', 'quality password 1');
      await page.getByTestId('nav-privacy').waitFor();
      await page.goto(`${ho.url}/console/complaints/${sh.id}/sh-1`);
      const customer = page.getByTestId('complaint-customer');
      await customer.waitFor();
      assert.equal((await customer.textContent()).trim(), uiText('console.privacy.destroyed', 'zh-CN'));
      assert.doesNotMatch(await page.getByTestId('console-complaint').textContent(), /王芳|沪A12345/, 'neither her name nor her plate');
      await screenshot(page, 'console-complaint-destroyed-zh-CN');
      await page.getByTestId('lang-en').click();
      await page.locator('[data-testid=complaint-customer]', { hasText: uiText('console.privacy.destroyed', 'en') }).waitFor();
      await screenshot(page, 'console-complaint-destroyed-en');

      await page.getByTestId('nav-privacy').click();
      const rows = page.getByTestId('register-row');
      await rows.nth(1).waitFor();
      const customerOf = (id) => page.locator(`[data-testid=register-row][data-id=${id}] [data-testid=register-customer]`).textContent();
      assert.equal((await customerOf('a1')).trim(), uiText('console.privacy.destroyed', 'en'), "SH01's row");
      assert.equal((await customerOf('b1')).trim(), 'SH01-C-000001 王*', "BJ01's row: it still holds her");
      await screenshot(page, 'console-access-register-destroyed-en');
      await page.getByTestId('lang-zh').click();
      await page.locator('[data-testid=register-row][data-id=a1] [data-testid=register-customer]', { hasText: uiText('console.privacy.destroyed', 'zh-CN') }).waitFor();
      await screenshot(page, 'console-access-register-destroyed-zh-CN');
    } catch (e) {
      await screenshot(page, 'console-destroyed-failure').catch(() => undefined);
      throw e;
    }
  } finally {
    await browser.close();
    await ho.stop();
  }
});
