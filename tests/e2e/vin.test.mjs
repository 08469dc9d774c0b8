// A VIN the core refuses is shown beside the VIN field, and nothing is saved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, screenshot, setUpStation, tokenOf, withApp, withCheckDigit } from './helpers.mjs';

test('an invalid VIN shows the field error beside the VIN field and nothing is saved', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { code: 'SH01' });
    await page.getByTestId('lang-en').click();

    await page.getByTestId('nav-new-customer').click();
    await page.getByTestId('customer-name').fill('李娜');
    await page.getByTestId('customer-phone').first().fill('13900001111');
    await page.getByTestId('customer-save-add-vehicle').click();
    await page.getByTestId('vehicle-form').waitFor();
    const customerUrl = page.url();
    const customerId = decodeURIComponent(customerUrl.split('#/customers/')[1].split('/')[0]);

    await page.getByTestId('plate').fill('沪B54321');
    const vinField = page.getByTestId('vin').locator('xpath=..');
    const vinError = vinField.locator('[data-testid=field-error][data-field=vin]');

    // The letter O: refused as soon as 17 characters are in, and again on save.
    await page.getByTestId('vin').fill('LSVAU2180N218329O');
    await vinError.waitFor();
    assert.equal(await vinError.getAttribute('data-code'), 'vin.characters');
    await page.getByTestId('vehicle-save').click();
    await vinError.waitFor();
    assert.equal(await vinError.getAttribute('data-code'), 'vin.characters');
    assert.match(await vinError.textContent(), /I, O and Q/);
    assert.equal(await page.getByTestId('vin').getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'vin-letter-o');

    // Sixteen characters: Enter in the VIN field does not save; Save shows the length error beside it.
    await page.getByTestId('vin').fill('LSVAU218XN218329');
    await page.getByTestId('vin').press('Enter');
    assert.equal(await vinError.count(), 0, 'no error while the VIN is still being typed');
    await page.getByTestId('vehicle-save').click();
    await vinError.waitFor();
    assert.equal(await vinError.getAttribute('data-code'), 'vin.length');
    assert.equal(await page.getByTestId('vehicle-form').count(), 1, 'still on the vehicle form');
    await screenshot(page, 'vin-too-short');

    // Nothing was saved: no vehicle by plate, VIN fragment or on the customer.
    const token = await tokenOf(page);
    for (const q of ['沪B54321', 'LSVAU218', 'LSVAU218XN218329']) {
      const { hits } = await callApi(app.url, 'search', { q }, token);
      const vehicles = hits.flatMap((h) => h.vehicles);
      assert.deepEqual(vehicles, [], `no vehicle found for ${q}`);
    }
    const detail = await callApi(app.url, 'get_customer', { id: customerId }, token);
    assert.equal(detail.customer.name, '李娜');
    assert.deepEqual(detail.vehicles, []);
  });
});

test('a VIN with a mistyped character says some character is wrong, not that the 9th should change, and saves once confirmed', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { code: 'SH01' });
    await page.getByTestId('lang-zh').click();

    await page.getByTestId('nav-new-customer').click();
    await page.getByTestId('customer-name').fill('王芳');
    await page.getByTestId('customer-phone').first().fill('13900002222');
    await page.getByTestId('customer-save-add-vehicle').click();
    await page.getByTestId('vehicle-form').waitFor();
    await page.getByTestId('plate').fill('沪C12345');

    // A real VIN with its 12th character mistyped: the check digit (9th) is now the one that disagrees.
    const good = withCheckDigit('LSVAU2180N2183290');
    const typo = good.slice(0, 11) + (good[11] === '7' ? '8' : '7') + good.slice(12);
    await page.getByTestId('vin').fill(typo);
    const hint = page.getByTestId('vin-check-digit');
    await hint.waitFor();
    const hintText = await hint.textContent();
    assert.match(hintText, /错的可能是任何一位/);
    assert.doesNotMatch(hintText, /应为/, 'the hint does not tell the advisor what to put in position 9');

    await page.getByTestId('vehicle-save').click();
    const vinError = page.getByTestId('vin').locator('xpath=..').locator('[data-testid=field-error][data-field=vin]');
    await vinError.waitFor();
    assert.equal(await vinError.getAttribute('data-code'), 'vin.check_digit');
    const errorText = await vinError.textContent();
    assert.match(errorText, /输错的可能是任何一位/);
    assert.doesNotMatch(errorText, /应为/, 'nor does the error');
    await screenshot(page, 'vin-check-digit-zh-CN');

    await vinError.getByTestId('confirm').click();
    await page.getByTestId('vehicle-form').waitFor({ state: 'detached' });
    const { hits } = await callApi(app.url, 'search', { q: typo }, await tokenOf(page));
    assert.deepEqual(hits.flatMap((h) => h.vehicles).map((v) => v.vin), [typo], 'saved as typed once confirmed');
  });
});
