// A returning customer at the desk: found by plate and checked in with the keyboard
// alone; a lower odometer reading then needs a manager's PIN and "I confirm".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, logIn, screenshot, tokenOf, withApp } from './helpers.mjs';

test('a returning customer is checked in from the keyboard alone, and a lower odometer needs a manager to confirm', { timeout: 180_000 }, async () => {
  await withApp(async (page, app) => {
    await callApi(app.url, 'load_demo_data');
    await page.reload();
    await page.getByTestId('lang-en').click();
    await logIn(page, { staffName: '李顾问', pin: '2222' });

    // A demo vehicle that has no open order yet.
    const token = await tokenOf(page);
    const { hits } = await callApi(app.url, 'search', { q: '浙A', limit: 50 }, token);
    const board = await callApi(app.url, 'board', {}, token);
    const busy = new Set(board.cards.map((c) => c.plate));
    const hit = hits.find((h) => h.vehicles.some((v) => v.plate && !busy.has(v.plate)));
    assert.ok(hit, 'a demo customer with a vehicle not on the board');
    const vehicle = hit.vehicles.find((v) => v.plate && !busy.has(v.plate));

    // "/" focuses the search; the plate and Enter open the check-in for that vehicle.
    await page.keyboard.press('/');
    await page.keyboard.type(vehicle.plate);
    await page.keyboard.press('Enter');
    await page.getByTestId('checkin').waitFor();
    await page.locator('[data-testid=checkin-vehicle].on', { hasText: vehicle.plate }).waitFor();
    await page.keyboard.press('Enter'); // step 1 → 2
    await page.getByTestId('odometer').waitFor();
    await page.keyboard.type('150000');
    await levelsByKeyboard(page); // step 2 → 3
    await page.getByTestId('concern-text').first().waitFor();
    await page.keyboard.type('Brakes squeal when cold');
    await page.keyboard.press('Enter'); // step 3 → 4, the check-in button has the focus
    await page.getByTestId('checkin-summary').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'checkin-submit');
    await page.keyboard.press('Enter');
    await page.getByTestId('repair-order').waitFor();
    const first = (await page.getByTestId('order-number').textContent()).trim();
    assert.match(first, /^SH01-M-\d{8}-\d{4}$/);

    // Back again with a lower reading: the advisor needs a manager.
    await page.keyboard.press('F2');
    await page.keyboard.type(vehicle.plate);
    await page.keyboard.press('Enter');
    await page.getByTestId('checkin').waitFor();
    await page.locator('[data-testid=checkin-vehicle].on', { hasText: vehicle.plate }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByTestId('odometer').waitFor();
    await page.keyboard.type('140000');
    await levelsByKeyboard(page);
    await page.getByTestId('concern-text').first().waitFor();
    await page.keyboard.type('Oil change');
    await page.keyboard.press('Enter');
    await page.getByTestId('checkin-summary').waitFor();
    await page.keyboard.press('Enter');

    // The first order is still open: the core warns about a second one first; the advisor confirms.
    const openOrder = page.getByTestId('open-order-warning');
    await openOrder.waitFor();
    assert.equal(await openOrder.locator('[data-testid=field-error]').getAttribute('data-code'), 'check_in.open_order');
    await openOrder.getByTestId('confirm').click();

    const odoError = page.locator('[data-testid=field-error][data-field=odometer_km]');
    await odoError.waitFor();
    assert.equal(await odoError.getAttribute('data-code'), 'odometer.rollback');
    await page.getByTestId('manager-pin').fill('1111');
    await screenshot(page, 'odometer-rollback');
    await odoError.getByTestId('confirm').click();
    await page.getByTestId('repair-order').waitFor();
    const second = (await page.getByTestId('order-number').textContent()).trim();
    assert.notEqual(second, first);
    assert.match(await page.getByTestId('repair-order').textContent(), /140,000 km/);
  });
});

/**
 * Enter on step 2 with a level not read: the cursor goes to it (the battery
 * field, or the fuel gauge, where a digit picks the eighths), then Enter again.
 */
async function levelsByKeyboard(page) {
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Enter');
    await page.waitForTimeout(150);
    if ((await page.getByTestId('checkin-step').getAttribute('data-step')) !== '2') return;
    const focused = await page.evaluate(() => ({ id: document.activeElement?.id, name: document.activeElement?.getAttribute('name') }));
    if (focused.id === 'ci-battery') await page.keyboard.type('80');
    else if (focused.name === 'fuel-group') await page.keyboard.press('5');
    else assert.fail(`step 2 did not go on and nothing to read has the focus: ${JSON.stringify(focused)}`);
  }
  assert.fail('step 2 did not go on after reading the levels');
}
