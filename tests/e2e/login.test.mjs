// Logging in: five wrong PINs in a row lock the staff member out, and the login
// screen says so beside the PIN field, in Chinese and in English; even the
// right PIN is refused until the lock ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenshot, setUpStation, withApp } from './helpers.mjs';

test('five wrong PINs lock the login, said beside the PIN field in both languages', { timeout: 120_000 }, async () => {
  await withApp(async (page) => {
    await setUpStation(page, { manager: '王经理', pin: '2468' });
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    const pinError = (code) => page.locator(`[data-testid=field-error][data-field=pin][data-code="${code}"]`);
    const attempt = async (pin) => {
      await page.getByTestId('login-pin').fill(pin);
      await page.getByTestId('login-submit').click();
    };
    for (let i = 0; i < 4; i++) {
      await attempt('0000');
      await pinError('auth.bad_pin').waitFor();
    }
    await attempt('0000');
    await pinError('auth.locked').waitFor();
    await page.getByTestId('lang-zh').click();
    assert.match(await pinError('auth.locked').textContent(), /5 分钟/);
    await screenshot(page, 'login-locked-zh-CN');
    await page.getByTestId('lang-en').click();
    assert.match(await pinError('auth.locked').textContent(), /5 min/);
    await screenshot(page, 'login-locked-en');

    await attempt('2468');
    await pinError('auth.locked').waitFor();
    assert.equal(await page.getByTestId('board').count(), 0, 'the right PIN does not get in while locked');
  });
});
