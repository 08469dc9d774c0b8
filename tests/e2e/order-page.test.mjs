// The order page's rules in the browser: a refused move says why at the top,
// a missing reason shows beside its field, a partial approval declines the
// unticked job, work added later needs a supplemental authorization, and the
// manager's balance override appears only for a manager with a balance left.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, inputHas, logIn, openOrder, screenshot, staffLogin, withApp } from './helpers.mjs';

async function withVersion(page, fn) {
  const v = Number(await page.getByTestId('repair-order').getAttribute('data-version'));
  await fn();
  await page.locator(`[data-testid=repair-order][data-version="${v + 1}"]`).waitFor();
}

test('refusals at the top and beside the field; partial and supplemental authorization; override only for a manager', { timeout: 240_000 }, async () => {
  await withApp(async (page, app) => {
    try {
      await callApi(app.url, 'load_demo_data');
      const mgr = (await staffLogin(app.url, '王经理', '1111')).token;
      const call = (op, input) => callApi(app.url, op, input, mgr);
      const board = await call('board', {});
      const id = board.cards.find((c) => c.status === 'checked_in').id;
      let d = await call('get_order_detail', { id });
      d = await call('move_order', { ro_id: id, expected_version: d.order.version, to: 'diagnosing', note: '' });
      await page.reload();
      await logIn(page, { staffName: '李顾问', pin: '2222' });
      await openOrder(page, app.url, id);

      // No lines yet: presenting the estimate is refused, and the page says why, at the top.
      await page.getByTestId('move-estimate_ready').click();
      const top = page.locator('[data-testid=form-error][data-code="transition.empty_estimate"]');
      await top.waitFor();
      assert.match(await top.textContent(), /报价中没有明细/);
      // Cancelling without a reason: the error sits beside the reason field.
      await page.getByTestId('move-cancelled').click();
      await page.getByTestId('move-confirm').click();
      await page.locator('[data-testid=field-error][data-field=note][data-code="transition.reason_required"]').waitFor();
      await page.getByRole('button', { name: '取消', exact: true }).click();
      await screenshot(page, 'order-page-refused');

      // Two jobs with lines, then the estimate.
      await withVersion(page, () => page.getByTestId('add-job').click().then(() => page.getByTestId('new-concern').fill('雨刮片老化')).then(() => page.getByTestId('add-job-save').click()));
      const jobs = page.getByTestId('job');
      assert.equal(await jobs.count(), 2);
      for (const [n, desc, price] of [[0, '检查异响', '150'], [1, '更换雨刮片', '80']]) {
        const job = jobs.nth(n);
        await job.getByTestId('job-add-line').click();
        await job.getByTestId('line-kind-sublet').check({ force: true });
        await job.getByTestId('line-description').fill(desc);
        await job.getByTestId('line-price').fill(price);
        await withVersion(page, () => job.getByTestId('line-add').click());
      }
      // A price with a fraction of a fen is refused before it is sent.
      await jobs.nth(1).getByTestId('job-add-line').click();
      await jobs.nth(1).getByTestId('line-kind-sublet').check({ force: true });
      await jobs.nth(1).getByTestId('line-description').fill('x');
      await jobs.nth(1).getByTestId('line-price').fill('1.234');
      await jobs.nth(1).getByTestId('line-add').click();
      await jobs.nth(1).getByText('最多两位小数').waitFor();
      await page.reload();
      await page.getByTestId('move-estimate_ready').click();
      await page.locator('[data-testid=repair-order][data-status=estimate_ready]').waitFor();

      // The customer approves only the first job.
      await page.getByTestId('move-approved').click();
      await page.getByTestId('auth-job').nth(1).uncheck();
      // 150.00 × 1.13 = 169.50 suggested for what is ticked.
      await inputHas(page, 'auth-amount', '169.50');
      await page.getByTestId('customer-sig-method-by_phone').check({ force: true });
      await page.getByTestId('auth-submit').click();
      await page.locator('[data-testid=repair-order][data-status=approved]').waitFor();
      assert.deepEqual(await jobs.evaluateAll((els) => els.map((e) => e.dataset.approval)), ['approved', 'declined']);
      await page.getByTestId('job-decision').nth(1).filter({ hasText: '拒绝' }).waitFor();

      // Work added after approval waits for a supplemental authorization.
      await page.getByTestId('add-job').click();
      await page.getByTestId('new-concern').fill('左前轮胎扎钉补胎');
      await page.getByTestId('add-job-save').click();
      await page.locator('[data-testid=job][data-approval=pending]').waitFor();
      const third = page.locator('[data-testid=job][data-approval=pending]');
      await third.getByTestId('job-add-line').click();
      await third.getByTestId('line-kind-sublet').check({ force: true });
      await third.getByTestId('line-description').fill('补胎');
      await third.getByTestId('line-price').fill('50');
      await withVersion(page, () => third.getByTestId('line-add').click());
      await page.getByTestId('auth-open').filter({ hasText: '追加授权' }).click();
      await inputHas(page, 'auth-amount', '56.50');
      await page.getByTestId('customer-sig-method-by_phone').check({ force: true });
      await page.getByTestId('auth-submit').click();
      await page.locator('[data-testid=authorization]').nth(1).waitFor();
      assert.equal(await page.locator('[data-testid=job][data-approval=approved]').count(), 2);
      assert.equal((await page.getByTestId('authorized').textContent()).trim(), '226.00');
      await screenshot(page, 'order-page-supplemental');

      // Through repair and QC by the API, then delivery: no override for the advisor, one for the manager.
      d = await call('get_order_detail', { id });
      d = await call('move_order', { ro_id: id, expected_version: d.order.version, to: 'in_repair', note: '' });
      for (const j of d.jobs.filter((x) => x.approval === 'approved')) {
        d = await call('update_job', { job_id: j.id, expected_version: d.order.version, concern: j.concern, cause: j.cause || '检查确认', correction: j.correction || '已修复' });
        d = await call('complete_job', { job_id: j.id, expected_version: d.order.version, confirm: ['job.no_time_clocked', 'job.parts_not_issued'] });
      }
      d = await call('move_order', { ro_id: id, expected_version: d.order.version, to: 'quality_check', note: '' });
      const items = (await call('list_qc_items', {})).items.filter((i) => i.active);
      d = await call('record_qc', { ro_id: id, expected_version: d.order.version, passed: true, items: items.map((i) => ({ item_id: i.id, label: i.label, passed: true, note: '' })), notes: '', rework_job_ids: [] });
      await openOrder(page, app.url, id);
      await page.getByTestId('deliver-form').waitFor();
      assert.equal(await page.getByTestId('override').count(), 0);
      await page.getByTestId('acceptance-sig-method-by_phone').check({ force: true });
      await page.getByTestId('deliver-submit').click();
      await page.locator('[data-testid=form-error][data-code="transition.balance_not_zero"]').waitFor();
      await page.getByTestId('logout').click();
      await logIn(page, { staffName: '王经理', pin: '1111' });
      await openOrder(page, app.url, id);
      await page.getByTestId('override').waitFor();
      await page.getByTestId('odometer-out').fill('1');
      await page.getByTestId('acceptance-sig-method-by_phone').check({ force: true });
      await page.getByTestId('deliver-submit').click();
      await page.locator('[data-testid=field-error][data-code="delivery.odometer_below_in"]').waitFor();
      await screenshot(page, 'order-page-delivery-override');
    } catch (e) {
      await screenshot(page, 'order-page-failure').catch(() => undefined);
      throw e;
    }
  });
});
