#!/usr/bin/env node
// Screenshots of every screen, in both languages and at desk (1280×800) and
// tablet (800 px) widths, into tests/artifacts/screens/. Not a test: a way to
// look at what the user sees.  `npm run screens` in tests/.
import { join } from 'node:path';
import { ARTIFACTS, callApi, launchBrowser, logIn, readLevels, setLocale, startApp, tokenOf } from './helpers.mjs';
import { stageOrders } from './scenario.mjs';

const OUT = join(ARTIFACTS, 'screens');
const widths = process.argv.includes('--tablet-only') ? [800] : [1280, 800];

async function shot(page, name, locale, width) {
  const file = join(OUT, `${name}.${locale}.${width}.png`);
  // A sticky top bar would otherwise be drawn mid-page in a full-page shot.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  console.log(file);
}


/** One order per state for the order-page shots: the staged ones (richer: partial approval, rework, payments) first. */
async function ordersByState(url, token, staged) {
  const board = await callApi(url, 'board', {}, token);
  const out = { ...staged };
  for (const c of board.cards) out[c.status] ??= c.id;
  return out;
}

async function openOrder(page, url, id) {
  await page.goto(`${url}/#/orders/${id}`);
  await page.getByTestId('order-status').waitFor();
  await page.waitForTimeout(300);
}

/** The workflow screens: board filtered by technician, the order page in several states, parts, labor, my jobs, QC. */
async function workflowShots(page, url, locale, width, staged) {
  const token = await tokenOf(page);
  const ids = await ordersByState(url, token, staged);
  const tech = (await callApi(url, 'setup_status')).staff.find((s) => s.name === '张技师');

  await page.getByTestId('nav-board').click();
  await page.getByTestId('board-card').first().waitFor();
  await page.getByTestId('board-filter').selectOption(`t:${tech.id}`);
  await page.waitForTimeout(600);
  await shot(page, '14-board-technician', locale, width);
  await page.getByTestId('board-filter').selectOption('');

  for (const state of ['diagnosing', 'estimate_ready', 'in_repair', 'waiting_parts', 'quality_check', 'ready_for_pickup']) {
    if (!ids[state]) continue;
    await openOrder(page, url, ids[state]);
    if (state === 'estimate_ready' && (await page.getByTestId('move-approved').count())) {
      await page.getByTestId('move-approved').click();
      await page.getByTestId('auth-form').waitFor();
      // Partial approval: the customer declines the second job.
      const ticks = page.getByTestId('auth-job');
      if ((await ticks.count()) > 1) await ticks.nth(1).uncheck();
    }
    await shot(page, `15-order-${state}`, locale, width);
  }

  await page.getByTestId('nav-parts').click();
  await page.getByTestId('parts-table').waitFor();
  await page.waitForTimeout(300);
  await shot(page, '16-parts', locale, width);
  await page.getByTestId('parts-low-only').check();
  await page.waitForTimeout(400);
  await shot(page, '16-parts-low', locale, width);
  await page.getByTestId('nav-labor').click();
  await page.getByTestId('labor-table').waitFor();
  await shot(page, '17-labor', locale, width);

  // The technician's tablet view, with the clock running on a job.
  await page.getByTestId('logout').click();
  await logIn(page, { staffName: '张技师', pin: '3333' });
  await page.getByTestId('nav-my-jobs').click();
  await page.getByTestId('my-jobs').waitFor();
  await page.waitForSelector('[data-testid=my-order], [data-testid=no-jobs]');
  if (!(await page.getByTestId('running-clock').count()) && (await page.getByTestId('clock-start').count())) {
    await page.getByTestId('clock-start').first().click();
    await page.getByTestId('running-clock').waitFor();
  }
  await page.waitForTimeout(1200);
  await shot(page, '18-my-jobs', locale, width);
  if (ids.in_repair) {
    await openOrder(page, url, ids.in_repair);
    await shot(page, '19-order-technician', locale, width);
  }

  // The QC inspector: the queue, and the checklist.
  await page.getByTestId('logout').click();
  await logIn(page, { staffName: '赵质检', pin: '4444' });
  await page.getByTestId('nav-qc').click();
  await page.getByTestId('qc-queue').waitFor();
  await page.waitForSelector('[data-testid=qc-queue-item], [data-testid=qc-queue-empty]');
  await shot(page, '20-qc-queue', locale, width);
  if (await page.getByTestId('qc-queue-item').count()) {
    await page.getByTestId('qc-queue-item').first().click();
    await page.getByTestId('qc-form').waitFor();
    await page.getByTestId('qc-item').first().waitFor();
    await page.getByTestId('qc-all-pass').click();
    await page.getByTestId('qc-fail-item').nth(2).click();
    await shot(page, '21-qc-form', locale, width);
  }
}

const app = await startApp();
let staged = null;
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  for (const width of widths) {
    await page.setViewportSize({ width, height: 800 });
    for (const locale of ['zh-CN', 'zh-TW', 'en']) {
      await page.goto(app.url);
      await page.waitForSelector('[data-testid=setup], [data-testid=login], [data-testid=board]');
      await setLocale(page, locale);
      if (await page.getByTestId('setup').isVisible().catch(() => false)) {
        for (const l of ['en', 'zh-TW', 'zh-CN']) {
          await setLocale(page, l);
          await shot(page, '01-setup', l, width);
        }
        await setLocale(page, locale);
        // An error beside a field.
        await page.getByTestId('setup-station-code').fill('S');
        await page.getByTestId('setup-submit').click();
        await page.getByTestId('field-error').first().waitFor();
        await shot(page, '01-setup-error', locale, width);
        await page.getByTestId('load-demo').click();
        await page.getByTestId('login').waitFor({ timeout: 120_000 });
        staged = await stageOrders(app.url);
        await shot(page, '02-login-demo', locale, width);
      } else if (await page.getByTestId('board').isVisible().catch(() => false)) {
        await page.getByTestId('logout').click();
      }
      await page.getByTestId('login').waitFor();
      await shot(page, '02-login', locale, width);
      await logIn(page, { staffName: '李顾问', pin: '2222' });
      await page.getByTestId('board-card').first().waitFor();
      // Technicians and awaited parts come a moment after the cards.
      await page.getByTestId('card-technicians').first().waitFor().catch(() => undefined);
      await page.waitForTimeout(1500);
      await shot(page, '03-board', locale, width);

      await page.getByTestId('search-input').fill('王');
      await page.getByTestId('search-hit').first().waitFor();
      await page.waitForTimeout(300);
      await shot(page, '04-search', locale, width);
      // A returning customer: their plate, then Enter.
      const plate = (await page.locator('[data-testid=board-card] .plate').last().textContent()).trim();
      await page.getByTestId('search-input').fill(plate);
      await page.getByTestId('search-input').press('Enter');
      await page.getByTestId('checkin').waitFor();
      await page.waitForTimeout(200);
      await shot(page, '05-checkin-1', locale, width);
      await page.getByTestId('checkin-next').click();
      await page.getByTestId('odometer').fill('345678');
      await readLevels(page, { fuel: 6 });
      const diagram = page.getByTestId('damage-diagram');
      const box = await diagram.boundingBox();
      await page.mouse.click(box.x + box.width * 0.2, box.y + box.height * 0.3);
      await page.locator('#damage-note-0').fill(locale === 'en' ? 'door scratch' : '左前门划痕');
      await page.mouse.click(box.x + box.width * 0.7, box.y + box.height * 0.9);
      await page.getByTestId('personal-items').fill(locale === 'en' ? 'dash cam' : '行车记录仪');
      await shot(page, '06-checkin-2', locale, width);
      await page.getByTestId('checkin-next').click();
      await page.getByTestId('concern-text').first().fill(locale === 'en' ? 'Engine light on, rough idle' : '发动机故障灯亮，怠速抖动');
      await page.getByTestId('concern-codes').first().fill('P0300, P0171');
      await page.getByTestId('priority-high').check({ force: true });
      await shot(page, '07-checkin-3', locale, width);
      await page.getByTestId('checkin-next').click();
      await page.getByTestId('checkin-summary').waitFor();
      await shot(page, '08-checkin-4', locale, width);
      await page.getByTestId('checkin-submit').click();
      await page.getByTestId('repair-order').waitFor();
      await page.getByTestId('order-number').waitFor();
      await shot(page, '09-order', locale, width);

      await page.locator('[data-testid=repair-order] a[href^="#/customers/"]').first().click();
      await page.getByTestId('customer-vehicles').waitFor();
      await shot(page, '10-customer', locale, width);
      await page.locator('[data-testid=vehicle-row] a', { hasText: /编辑|Edit/ }).first().click();
      await page.getByTestId('vehicle-form').waitFor();
      await page.waitForTimeout(300);
      await shot(page, '11-vehicle-edit', locale, width);

      await page.getByTestId('nav-new-customer').click();
      await page.getByTestId('customer-form').waitFor();
      await page.getByTestId('customer-phone').first().fill('12345');
      await page.getByTestId('customer-save').click();
      await page.getByTestId('field-error').first().waitFor();
      await shot(page, '12-customer-new-error', locale, width);
      await page.getByTestId('customer-name').fill(locale === 'en' ? 'Anna Müller' : '王芳');
      await page.getByTestId('customer-phone').first().fill('13912345678');
      await page.getByTestId('customer-save-add-vehicle').click();
      await page.getByTestId('vehicle-form').waitFor();
      await page.getByTestId('plate').fill('X12345');
      await page.getByTestId('vin').fill('LSVAU2180N2183294');
      await page.getByTestId('vin-manufacturer').waitFor();
      await page.getByTestId('vehicle-save').click();
      await page.getByTestId('field-error').first().waitFor();
      await shot(page, '13-vehicle-new-confirm', locale, width);

      await workflowShots(page, app.url, locale, width, staged ?? {});

      await page.getByTestId('nav-board').click();
      await page.getByTestId('board').waitFor();
      await page.getByTestId('logout').click();
      await page.getByTestId('login').waitFor();
    }
  }
} catch (e) {
  await browser.context.pages()[0]?.screenshot({ path: join(OUT, 'failure.png'), fullPage: true }).catch(() => undefined);
  throw e;
} finally {
  await browser.close();
  await app.stop();
}
