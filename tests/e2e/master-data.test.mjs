// Master data from a real head office (PostgreSQL + `headoffice serve`) at a
// station set up and enrolled from the first-run screen: the head office's
// labor operations show in the labor catalog marked as the head office's and
// cannot be edited; a new part whose number the parts catalog lists fills in
// its name and the catalog price, which cannot be changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setUpWithHeadOffice, startHeadOffice, waitForSync } from './headoffice.mjs';
import { callApi, screenshot, tokenOf, withApp } from './helpers.mjs';

test('the head office catalog reaches the station: its labor operations are read-only and a new part takes its name and price', { timeout: 180_000 }, async () => {
  const ho = await startHeadOffice();
  try {
    ho.load('labor', 'code,description,standard_hours_milli,rate_minor\nMNT-OIL-01,更换机油及机滤,500,20000\n');
    ho.load('parts', 'part_no,name,unit_price_minor,brand\n06L115562B,机油滤清器,6800,大众\n');

    await withApp(async (page, app) => {
      try {
        await setUpWithHeadOffice(page, ho);
        const token = await tokenOf(page);
        await waitForSync(app.url, token);

        // The labor catalog: the head office's operation, marked, with no Edit.
        await page.goto(`${app.url}/#/labor`);
        const op = page.locator('[data-testid=labor-row][data-code="MNT-OIL-01"]');
        await op.getByTestId('labor-from-ho').waitFor();
        assert.equal(await op.getByRole('button').count(), 0, 'nothing to edit at the station');

        // A new part: typing a listed number fills in the name and the catalog's price, read-only.
        await page.goto(`${app.url}/#/parts`);
        await page.getByTestId('part-new').click();
        await page.getByTestId('part-no').fill('06l115562b');
        await page.getByTestId('part-no').press('Tab');
        await page.waitForFunction(() => document.querySelector('[data-testid=part-price]')?.value === '68.00');
        assert.equal(await page.getByTestId('part-name').inputValue(), '机油滤清器');
        assert.equal(await page.getByTestId('part-price').getAttribute('readonly'), '');
        await page.getByTestId('part-bin').fill('A-01-03');
        await screenshot(page, 'master-data-new-part');
        await page.getByTestId('part-save').click();
        const row = page.locator('[data-testid=part-row][data-part-no="06L115562B"]');
        await row.getByTestId('part-price-ho').waitFor();
        const parts = (await callApi(app.url, 'list_parts', { q: '06L' }, token)).parts;
        assert.equal(parts.length, 1);
        assert.equal(parts[0].unit_price, 6800);
        assert.equal(parts[0].price_from_head_office, true);
        await screenshot(page, 'master-data-parts');
      } catch (e) {
        await screenshot(page, 'master-data-failure').catch(() => undefined);
        throw e;
      }
    });
  } finally {
    await ho.stop();
  }
});
