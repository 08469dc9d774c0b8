// A new station's first check-in, all through the UI in Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, logIn, screenshot, setUpStation, stationDate, tokenOf, withApp, withCheckDigit } from './helpers.mjs';

// An 8×8 PNG, red.
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC';

test('first run: set up station SH01, log in, create 王芳 and 沪A12345, check in, and the order is on the board', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    // First run: the setup screen, in Chinese by default.
    await setUpStation(page, { code: 'SH01', name: '浦东服务站', manager: '王经理', pin: '2468' });

    // Log out and back in with the PIN, as the desk does every shift.
    await page.getByTestId('logout').click();
    await logIn(page, { staffName: '王经理', pin: '2468' });
    await assert.doesNotReject(page.getByTestId('current-user').filter({ hasText: '王经理' }).waitFor());

    // A new customer with a Chinese name.
    await page.getByTestId('nav-new-customer').click();
    await page.getByTestId('customer-name').fill('王芳');
    await page.getByTestId('customer-phone').first().fill('138 1234 5678');
    await page.getByTestId('customer-save-add-vehicle').click();

    // Their vehicle: a plate and a VIN whose check digit is right.
    const vin = withCheckDigit('LSVAU2180N2183294');
    assert.equal(vin, 'LSVAU218XN2183294');
    await page.getByTestId('vehicle-form').waitFor();
    await page.getByTestId('plate').fill('沪A12345');
    // A barcode scanner types the VIN fast and presses Enter: that must not save a half-typed form.
    await page.getByTestId('vin').pressSequentially(vin, { delay: 5 });
    await page.getByTestId('vin').press('Enter');
    assert.equal(await page.getByTestId('vehicle-form').count(), 1, 'Enter in the VIN field does not submit');
    await page.getByTestId('vin-manufacturer').waitFor();
    await page.getByTestId('model').fill('朗逸');
    await page.getByTestId('color').fill('白');
    await page.getByTestId('vehicle-save').click();

    // The check-in wizard, from the keyboard where the desk would use it.
    await page.getByTestId('checkin').waitFor();
    await page.getByTestId('checkin-vehicle').filter({ hasText: '沪A12345' }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByTestId('odometer').waitFor();
    await page.getByTestId('odometer').fill('23456');
    await page.getByTestId('fuel-5').check({ force: true });
    const box = await page.getByTestId('damage-diagram').boundingBox();
    await page.mouse.click(box.x + box.width * 0.25, box.y + box.height * 0.3);
    await page.locator('#damage-note-0').fill('左前门划痕');
    // A photo of the damage, shown as a thumbnail once uploaded.
    await page.getByTestId('photo-input').setInputFiles({ name: 'door.png', mimeType: 'image/png', buffer: Buffer.from(TINY_PNG, 'base64') });
    await page.getByTestId('photo-thumb').first().waitFor();
    await page.getByTestId('personal-items').fill('行车记录仪');
    await page.getByTestId('personal-items').press('Enter');
    await page.getByTestId('concern-text').first().fill('发动机故障灯亮');
    await page.getByTestId('concern-codes').first().fill('P0300');
    await page.getByTestId('concern-text').first().press('Enter');
    await page.getByTestId('checkin-summary').waitFor();
    await page.getByTestId('checkin-submit').click();

    // The repair order, numbered for SH01, maintenance, today, first of the day.
    const number = `SH01-M-${stationDate(480)}-0001`;
    await page.getByTestId('repair-order').waitFor();
    await page.getByTestId('order-number').filter({ hasText: number }).waitFor();
    assert.equal((await page.getByTestId('order-plate').textContent()).trim(), '沪A12345');
    await page.getByTestId('photo-thumb').first().waitFor();
    assert.equal(await page.getByTestId('damage-mark').count(), 1);
    await screenshot(page, 'checkin-order');

    // And it is on today's board.
    await page.getByTestId('nav-board').click();
    const card = page.locator(`[data-testid=board-card][data-number="${number}"]`);
    await card.waitFor();
    const text = await card.textContent();
    assert.match(text, /沪A12345/);
    assert.match(text, /王芳/);
    assert.equal(await card.getAttribute('data-overdue'), 'false');
    await screenshot(page, 'checkin-board');

    // The UI's data went to the core: its VIN was stored normalised.
    const found = await callApi(app.url, 'search', { q: vin }, await tokenOf(page));
    assert.equal(found.hits[0]?.customer.name, '王芳');
    assert.equal(found.hits[0]?.vehicles[0]?.plate, '沪A12345');
  });
});
