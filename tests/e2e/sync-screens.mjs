#!/usr/bin/env node
// Screenshots of the head-office sync against a real head office: a private
// PostgreSQL cluster (Unix socket only, in a temp dir), `headoffice serve` on a
// loopback port, station SH01 enrolled from the first-run screen, a recall
// campaign for one VIN and a labor and parts catalog, then the check-in
// wizard's recall alert, the order page's recall banner, Settings → Head office
// and the Labor and Parts screens with what the head office sets, in both languages.
// Not a test: a way to look at what the user sees. Needs PostgreSQL (apt) and
// `cargo build -p headoffice -p stationdesk`.  node e2e/sync-screens.mjs
import { setUpWithHeadOffice, startHeadOffice, waitForSync } from './headoffice.mjs';
import { callApi, launchBrowser, readLevels, screenshot, startApp, tokenOf, withCheckDigit } from './helpers.mjs';

async function shots(page, name) {
  for (const [locale, button] of [['en', 'lang-en'], ['zh-CN', 'lang-zh']]) {
    await page.getByTestId(button).click();
    await page.waitForTimeout(200);
    console.log(await screenshot(page, `sync-${name}-${locale}`));
  }
}

const ho = await startHeadOffice();
const app = await startApp();
const browser = await launchBrowser();
try {
  const vin = withCheckDigit('LSVAU2180N2183294');
  ho.load('recalls', `campaign_id,title,vins,vin_from,vin_to\nRC-2026-014,前排安全气囊气体发生器更换 / Front airbag inflator replacement,${vin},,\n`);
  ho.load('labor', `code,description,standard_hours_milli,rate_minor\nMNT-OIL-01,更换机油及机滤 / Oil and filter change,500,20000\nBRK-PAD-F,更换前刹车片 / Front brake pads,1200,20000\n`);
  ho.load('parts', `part_no,name,unit_price_minor,brand\n06L115562B,机油滤清器,6800,大众\n`);

  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
  await page.goto(app.url);
  await setUpWithHeadOffice(page, ho, { beforeSubmit: () => shots(page, 'setup-connect') });
  const token = await tokenOf(page);

  const customer = await callApi(app.url, 'create_customer', { name: '李娜', phones: ['13912345678'], email: '', company: '', language: 'zh-CN', consent_marketing: false, consent_data: true, notes: '' }, token).catch(async (e) => {
    console.error(e.message);
    throw e;
  });
  await callApi(app.url, 'save_part', { part_no: '06L115562B', name: '机油滤清器', bin: 'A-01-03', unit_price: 6800, reorder_point_milli: 2000, active: true }, token);
  await callApi(app.url, 'save_labor_operation', { code: 'ST-WASH', description: '精致洗车 / Car wash', standard_hours_milli: 300, rate: 10000, active: true }, token);
  const vehicle = await callApi(app.url, 'create_vehicle', { customer_id: customer.id, fields: { plate: '沪A88888', vin, make: '大众', model: '朗逸', model_year: 2022, color: '白' }, confirm: [] }, token);
  await callApi(app.url, 'sync_now', {}, token);
  await waitForSync(app.url, token);
  console.log(JSON.stringify(await callApi(app.url, 'vehicle_alerts', { vehicle_id: vehicle.id }, token)));

  await page.goto(`${app.url}/#/settings/head-office`);
  await page.getByTestId('sync-panel').waitFor();
  await page.waitForTimeout(500);
  await shots(page, 'head-office-enrolled');

  await page.goto(`${app.url}/#/labor`);
  await page.getByTestId('labor-from-ho').first().waitFor();
  await shots(page, 'labor-catalog');
  await page.goto(`${app.url}/#/parts`);
  await page.getByTestId('part-price-ho').first().waitFor();
  await shots(page, 'parts-prices');

  await page.goto(`${app.url}/#/check-in?customer=${customer.id}&vehicle=${vehicle.id}`);
  await page.getByTestId('recall-alert').waitFor();
  await shots(page, 'checkin-recall');
  await page.getByTestId('use-recall').click();
  await page.getByTestId('checkin-next').click();
  await page.getByTestId('odometer').fill('30211');
  await readLevels(page);
  await page.getByTestId('checkin-next').click();
  await page.getByTestId('concern-text').first().fill('召回：更换前排气囊');
  await page.getByTestId('checkin-next').click();
  await page.getByTestId('checkin-submit').click();
  await page.getByTestId('order-recalls').waitFor();
  await shots(page, 'order-recall');
} finally {
  await browser.close();
  await app.stop();
  await ho.stop();
}
