// The technician's day on a 1024×768 tablet, in zh-CN, with the demo data:
// 张技师 logs in to 我的派工 (the core's home for the role), takes a job nobody
// has, starts a diagnosis and stays the order's technician, clocks on and off
// and is told for how long, is refused "done" beside the blank cause, confirms
// the unissued part, and the finished card keeps its place. Then the desk:
// the cancel reason and the finding box get the focus, and a cancelled order
// says so instead of "接车完成".
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, callApi, logIn, screenshot, setLocale, staffLogin, uiText, withClockedApp } from './helpers.mjs';

const TABLET = { width: 1024, height: 768 };

/** The id of the element that has the focus. */
const focused = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.id ?? null);

/** What the tablet shows with `locator` in view: the viewport, not the whole page. */
async function viewShot(page, locator, name) {
  await locator.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Left edge and width of the finished job card and of the column it sits in. */
async function doneCardBox(card) {
  return card.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const c = el.parentElement.getBoundingClientRect();
    return { left: r.left, width: r.width, columnLeft: c.left, columnWidth: c.width };
  });
}

test("a technician's day: home on my jobs, take a job, diagnose, clock, done only with the 3 Cs", { timeout: 300_000 }, async () => {
  await withClockedApp('technician', '+0', async (page, app) => {
    await page.setViewportSize(TABLET);
    await page.goto(app.url);
    await callApi(app.url, 'load_demo_data');
    const mgr = (await staffLogin(app.url, '王经理', '1111')).token;
    await page.reload();
    await setLocale(page, 'zh-CN');

    // Logging in lands on 我的派工, not on the board.
    await logIn(page, { staffName: '张技师', pin: '3333' });
    await page.getByTestId('my-jobs').waitFor();
    assert.match(page.url(), /#\/my-jobs$/);
    assert.equal((await page.locator('[data-testid=my-jobs] h1').textContent()).trim(), uiText('myjobs.title'));
    await page.locator('[data-testid=my-order]').first().waitFor();
    await screenshot(page, 'technician-01-home-zh-CN-1024');

    // A job the desk added for nobody is offered, and taking it puts it in the technician's list.
    const offered = page.getByTestId('open-job').filter({ hasText: '空调异味' });
    await offered.waitFor();
    const takenJob = await offered.getAttribute('data-job');
    await offered.getByTestId('take-job').click();
    await page.locator(`[data-testid=my-job][data-job="${takenJob}"]`).waitFor();
    assert.equal(await page.locator(`[data-testid=open-job][data-job="${takenJob}"]`).count(), 0, 'no longer offered');
    const tech = (await callApi(app.url, 'setup_status')).staff.find((s) => s.name === '张技师');
    const roOfTaken = (await callApi(app.url, 'my_jobs', {}, (await staffLogin(app.url, '张技师', '3333')).token)).jobs.find((j) => j.job_id === takenJob).ro_id;
    const taken = (await callApi(app.url, 'get_order_detail', { id: roOfTaken }, mgr)).jobs.find((j) => j.id === takenJob);
    assert.equal(taken.technician_id, tech.id, 'the core has 张技师 on it');

    // Starting a diagnosis keeps the order in the technician's hands: their name on its jobs, and in their list.
    const card = page.getByTestId('to-diagnose').first();
    const diagnosed = await card.getAttribute('data-number');
    await card.getByTestId('start-diagnosis').click();
    await page.locator('[data-testid=repair-order][data-status=diagnosing]').waitFor();
    const names = await page.getByTestId('job-technician-name').allTextContents();
    assert.ok(names.length > 0 && names.every((n) => n.trim() === '张技师'), `every job is 张技师's: ${names}`);
    assert.equal(await page.getByTestId('job-edit').count(), names.length, 'and he can write its 3 Cs');
    await screenshot(page, 'technician-02-diagnosing-zh-CN-1024');
    // A job the desk adds meanwhile, for nobody: the order page offers it to him too.
    const roId = decodeURIComponent(new URL(page.url()).hash.split('/')[2].split('?')[0]);
    const adv = (await staffLogin(app.url, '李顾问', '2222')).token;
    const before = await callApi(app.url, 'get_order_detail', { id: roId }, adv);
    await callApi(app.url, 'add_job', { ro_id: roId, expected_version: before.order.version, concern: '客户来电：雨刮异响' }, adv);
    await page.reload();
    const added = page.getByTestId('job').filter({ hasText: '雨刮异响' });
    await added.getByTestId('job-take').click();
    await added.getByTestId('job-technician-name').filter({ hasText: '张技师' }).waitFor();
    assert.equal(await page.getByTestId('job-take').count(), 0, 'nothing left to take');
    // The finding box takes the focus when it opens.
    await page.getByTestId('job-add-finding').first().click();
    await page.getByTestId('finding-text').waitFor();
    assert.equal(await focused(page), 'finding-text');
    await page.getByTestId('nav-my-jobs').click();
    await page.locator(`[data-testid=my-order][data-number="${diagnosed}"]`).waitFor();

    // The clock: on, a few seconds, off — and the tablet says what it recorded.
    const number = await page.locator('[data-testid=my-order][data-status=in_repair]').first().getAttribute('data-number');
    // By number: a finished job moves its order down the list.
    const order = page.locator(`[data-testid=my-order][data-number="${number}"]`);
    const job = order.getByTestId('my-job').first();
    await job.getByTestId('clock-start').click();
    await page.getByTestId('running-clock-elapsed').filter({ hasText: /^0:00:0[2-9]$/ }).waitFor();
    await job.getByTestId('clock-stop').click();
    const stopped = page.getByTestId('clock-stopped');
    await stopped.waitFor();
    assert.match(await stopped.textContent(), new RegExp(`计时已停止：${number} .*本次 0:00:0[2-9]，累计 0:00:0[2-9]`));
    await viewShot(page, job, 'technician-03-clock-stopped-zh-CN-1024');

    // Done with the cause blank: refused beside the cause, in the 3C form that opens, with the cursor in it.
    await job.getByTestId('my-job-done').click();
    const causeError = job.locator('[data-testid=field-error][data-field=cause]');
    await causeError.waitFor();
    assert.equal(await causeError.getAttribute('data-code'), 'job.cause_required');
    assert.equal((await causeError.textContent()).trim(), uiText('errors.job.cause_required'));
    assert.equal(await focused(page), 'my-job-cause');
    await viewShot(page, job, 'technician-04-cause-required-zh-CN-1024');
    await job.getByTestId('my-job-cause').fill('机油到期');
    await job.getByTestId('my-job-correction').fill('更换机油机滤');
    await job.getByTestId('my-job-3c-save').click();
    await job.getByTestId('my-job-3c').waitFor({ state: 'detached' });

    // The reserved part was never issued: the core asks, the tablet shows it and a button to confirm.
    await job.getByTestId('my-job-done').click();
    const warnings = job.getByTestId('my-job-warnings');
    await warnings.waitFor();
    assert.equal(await warnings.locator('li[data-code="job.parts_not_issued"]').count(), 1);
    assert.match(await warnings.textContent(), /备件未领料/);
    await viewShot(page, warnings, 'technician-05-confirm-zh-CN-1024');
    await warnings.getByTestId('my-job-confirm-done').click();
    const done = order.locator('[data-testid=my-job].done').first();
    await done.waitFor();

    // The finished card stays in its column, full width, in both languages and both sizes.
    for (const [lang, size] of [['zh-CN', TABLET], ['zh-CN', { width: 1280, height: 800 }], ['en', { width: 1280, height: 800 }], ['en', TABLET]]) {
      await setLocale(page, lang);
      await page.setViewportSize(size);
      const box = await doneCardBox(done);
      assert.ok(Math.abs(box.left - box.columnLeft) < 1 && Math.abs(box.width - box.columnWidth) < 1, `${lang} ${size.width}: the done card fills its column ${JSON.stringify(box)}`);
      await viewShot(page, done, `technician-06-done-card-${lang}-${size.width}`);
    }
    await setLocale(page, 'zh-CN');
    await page.setViewportSize(TABLET);
    const byApi = await callApi(app.url, 'get_order_detail', { id: (await callApi(app.url, 'board', {}, mgr)).cards.find((c) => c.number === number).id }, mgr);
    assert.ok(byApi.jobs[0].done_at && byApi.jobs[0].cause === '机油到期' && byApi.jobs[0].clocked_seconds >= 2, 'done, with its cause and its time');

    // The desk: a just-checked-in order is cancelled; the reason box gets the focus, and the order then reads as cancelled.
    await page.getByTestId('logout').click();
    await logIn(page, { staffName: '李顾问', pin: '2222' });
    await page.getByTestId('board').waitFor();
    const fresh = (await callApi(app.url, 'board', {}, mgr)).cards.find((c) => c.status === 'checked_in');
    await page.goto(`${app.url}/#/orders/${fresh.id}?created=1`);
    await page.getByTestId('checked-in-banner').waitFor();
    await page.getByTestId('move-cancelled').click();
    await page.getByTestId('move-note').waitFor();
    assert.equal(await focused(page), 'move-note', 'the cursor is in the cancel-reason box');
    await page.keyboard.type('客户临时有事，改天再来');
    await page.getByTestId('move-confirm').click();
    await page.locator('[data-testid=repair-order][data-status=cancelled]').waitFor();
    assert.equal(await page.getByTestId('checked-in-banner').count(), 0, 'no 接车完成 on a cancelled order');
    assert.equal((await page.getByTestId('cancelled').textContent()).trim(), uiText('order.cancelled_because', 'zh-CN', { reason: '客户临时有事，改天再来' }));
    const badge = page.getByTestId('order-status');
    assert.match(await badge.getAttribute('class'), /\bmuted\b/);
    assert.doesNotMatch(await badge.getAttribute('class'), /\baccent\b/);
    await screenshot(page, 'technician-07-cancelled-zh-CN-1024');
  });
});
