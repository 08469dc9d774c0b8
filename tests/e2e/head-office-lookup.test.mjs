// Customers shared between stations (issue 12), in the browser: a real head
// office and two real stations. 罗磊 is on file at SH01. At SH02, which has
// never seen him, New check-in and his plate find nothing here; the search box
// offers him "found at the head office", masked (罗*, 138****5678); using the
// result continues the check-in with his customer record and car, and SH02 has
// no second 罗磊. With the head office down, the search says it shows this
// station's records only. Screenshots of both, in zh-CN.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHeadOffice, waitForSync } from './headoffice.mjs';
import { callApi, launchBrowser, screenshot, setUpStation, startApp, tokenOf, uiText, withCheckDigit } from './helpers.mjs';

const tr = (key, params) => uiText(key, 'zh-CN', params);
const PLATE = '沪A12345';
const PHONE = '13812345678';

test('a customer served at another station is found at the head office, masked, and the check-in reuses the record', { timeout: 240_000 }, async () => {
  const ho = await startHeadOffice();
  const sh01 = await startApp();
  const sh02 = await startApp();
  const browser = await launchBrowser();
  try {
    // SH01: 罗磊 and his car, consenting to sharing, synced up.
    const enrol01 = ho.admin('create-station', '--code', 'SH01', '--name', '上海一店').match(/enr_\S+/)[0];
    const { token: t01 } = await callApi(sh01.url, 'first_run_setup', { station_code: 'SH01', station_name: '上海一店', manager_name: '王经理', manager_pin: '2468', utc_offset_minutes: 480 });
    await callApi(sh01.url, 'enroll_station', { head_office_url: ho.url, enrollment_code: enrol01 }, t01);
    const customer = await callApi(sh01.url, 'create_customer', { name: '罗磊', phones: [PHONE], language: 'zh-CN', consent_data: true }, t01);
    const vehicle = await callApi(sh01.url, 'create_vehicle', { customer_id: customer.id, fields: { plate: PLATE, vin: withCheckDigit('LSVAU2180N2183294'), make: '大众', model: '朗逸' }, confirm: [] }, t01);
    await callApi(sh01.url, 'check_in', { customer_id: customer.id, vehicle_id: vehicle.id, service_type: 'maintenance', odometer_km: 23456, fuel_eighths: 3, concerns: [{ text: '空调不制冷' }], priority: 'normal' }, t01);
    await callApi(sh01.url, 'sync_now', {}, t01);
    for (let i = 0; i < 120 && (await callApi(sh01.url, 'sync_status', {}, t01)).pending_changes > 0; i++) await new Promise((r) => setTimeout(r, 250));

    // SH02 in the browser, enrolled at first-run setup.
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
    await page.goto(sh02.url);
    const enrol02 = ho.admin('create-station', '--code', 'SH02', '--name', '上海二店').match(/enr_\S+/)[0];
    await setUpStation(page, { code: 'SH02', name: '上海二店', headOffice: { url: ho.url, code: enrol02 } });
    const t02 = await tokenOf(page);
    await waitForSync(sh02.url, t02);

    await page.getByTestId('new-check-in').click();
    await page.keyboard.type('沪a 12345');
    const found = page.getByTestId('head-office-hit');
    await found.waitFor();
    assert.equal(await page.getByTestId('search-hit').count(), 0, 'nothing on file at SH02');
    const text = await found.textContent();
    assert.match(text, /罗\*/, 'the name is masked');
    assert.match(text, /138\*\*\*\*5678/, 'the phone is masked');
    assert.ok(!text.includes(PHONE) && !text.includes('罗磊'), `nothing whole but the plate that was typed: ${text}`);
    assert.match(text, new RegExp(PLATE));
    await screenshot(page, 'head-office-lookup-found');

    await page.getByTestId('head-office-use').click();
    await page.getByTestId('checkin').waitFor();
    const past = page.getByTestId('vehicle-past');
    await past.waitFor();
    assert.match(await page.getByTestId('checkin').textContent(), /罗磊/, 'the check-in continues with his record, whole now');
    await screenshot(page, 'head-office-lookup-checkin');

    const hits = await callApi(sh02.url, 'search', { q: PHONE }, t02);
    assert.deepEqual(hits.hits.map((h) => h.customer.id), [customer.id], 'SH02 holds his record, the same one, once');
    const all = await callApi(sh02.url, 'search', { q: '罗磊' }, t02);
    assert.equal(all.hits.length, 1, 'no second 罗磊');

    // The head office goes away: the search says it shows this station's records only.
    await ho.stop();
    await page.goto(sh02.url);
    await page.getByTestId('board').waitFor();
    await page.getByTestId('new-check-in').click();
    await page.keyboard.type('139 0000 1111');
    const offline = page.getByTestId('head-office-offline');
    await offline.waitFor({ timeout: 20_000 });
    assert.equal((await offline.textContent()).trim(), tr('head_office_lookup.offline'));
    await page.getByTestId('new-customer').waitFor();
    await screenshot(page, 'head-office-lookup-offline');
  } finally {
    await browser.close();
    await sh01.stop();
    await sh02.stop();
    await ho.stop().catch(() => undefined);
  }
});
