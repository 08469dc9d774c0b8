// The desk's words in each language: the QC checklist shows only the desk's
// language (no "中文 / English" items), and a Traditional-Chinese desk logs in,
// shows the board and prints a zh-TW customer's work order in Traditional characters.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, callApi, logIn, openOrder, screenshot, setLocale, staffLogin, uiText, withApp } from './helpers.mjs';
import { stageOrders } from './scenario.mjs';

const CJK = /[\u3400-\u9fff]/;
/** A 1×1 PNG: the drawn signature's image. */
const DOT_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

test('QC items in English show no Chinese and in Chinese no English; a zh-TW desk prints a zh-TW work order in Traditional characters', { timeout: 300_000 }, async () => {
  await withApp(async (page, app) => {
    await callApi(app.url, 'load_demo_data');
    const staged = await stageOrders(app.url);
    const { token: mgr } = await staffLogin(app.url, '王经理', '1111');
    const call = (op, input) => callApi(app.url, op, input, mgr);
    const inQc = staged.quality_check ?? (await call('board', {})).cards.find((c) => c.status === 'quality_check')?.id;
    assert.ok(inQc && staged.diagnosing, `an order waiting for QC and one diagnosing: ${JSON.stringify(staged)}`);

    // The inspector's checklist, in English then in Chinese.
    await page.reload();
    await logIn(page, { staffName: '赵质检', pin: '4444' });
    await setLocale(page, 'en');
    await openOrder(page, app.url, inQc);
    await page.getByTestId('qc-item').first().waitFor();
    const english = await page.getByTestId('qc-item').locator('.label').allTextContents();
    assert.ok(english.length >= 5, `the checklist: ${english}`);
    assert.deepEqual(english.filter((l) => CJK.test(l)), [], 'no Chinese in an English checklist');
    await screenshot(page, 'qc-items-en');
    await setLocale(page, 'zh-CN');
    const chinese = await page.getByTestId('qc-item').locator('.label').allTextContents();
    assert.deepEqual(chinese.filter((l) => /[A-Za-z]{3,}/.test(l) || !CJK.test(l)), [], 'only Chinese in a Chinese checklist');
    await page.getByTestId('logout').click();

    // A customer who reads Traditional Chinese: their order is authorized (by phone) with a line on it.
    const id = staged.diagnosing;
    let d = await call('get_order_detail', { id });
    const customer = await call('get_customer', { id: d.order.customer.id });
    const c = customer.customer ?? customer;
    await call('update_customer', { id: c.id, fields: { name: c.name, phones: c.phones, language: 'zh-TW' } });
    d = await call('add_line', { ro_id: id, expected_version: d.order.version, job_id: d.jobs[0].id, kind: 'sublet', description: '四輪定位', unit_price: 20_000 });
    d = await call('move_order', { ro_id: id, expected_version: d.order.version, to: 'estimate_ready', note: '' });
    // Signed on screen (a small drawn PNG and its strokes), as at the desk.
    const png = (await call('upload_photo', { data: `data:image/png;base64,${DOT_PNG}` })).sha256;
    const onScreen = (signer) => ({ method: 'on_screen', signer_name: signer, png_sha256: png,
      strokes: [{ penColor: 'black', points: [{ x: 10, y: 20, time: 1, pressure: 0.5 }, { x: 40, y: 25, time: 17, pressure: 0.5 }] }] });
    d = await call('record_authorization', {
      ro_id: id, expected_version: d.order.version, method: 'in_person', approver_name: c.name,
      approved_job_ids: d.jobs.filter((j) => j.approval === 'pending').map((j) => j.id), amount: d.totals.estimate.total, note: '',
      customer_signature: onScreen(c.name), advisor_signature: onScreen(''),
    });

    // The desk in Traditional Chinese: the login, the board, the order and its printed work order.
    await page.getByTestId('lang-zh-tw').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-TW');
    await page.getByTestId('login').waitFor();
    await screenshot(page, 'login-zh-TW');
    await logIn(page, { staffName: '李顾问', pin: '2222' });
    await page.getByTestId('board-card').first().waitFor();
    assert.equal((await page.getByTestId('nav-board').textContent()).trim(), uiText('nav.board', 'zh-TW'));
    assert.match(await page.getByTestId('board').textContent(), new RegExp(uiText('status.ready_for_pickup', 'zh-TW')));
    await openOrder(page, app.url, id);
    const row = page.locator('[data-testid=authorization][data-kind=intake]');
    assert.match(await row.textContent(), new RegExp(uiText('auth.kinds.intake', 'zh-TW')));
    const opened = page.context().waitForEvent('page');
    await row.getByTestId('auth-print').click();
    await (await opened).close();
    const archived = page.locator('[data-testid=archived-document][data-kind=intake_order]');
    await archived.waitFor();
    assert.match(await archived.textContent(), new RegExp(uiText('docs.kinds.intake_order', 'zh-TW')));
    assert.match(await archived.textContent(), /繁體中文/, 'the archive names the document\'s language');
    await screenshot(page, 'order-zh-TW');
    const docs = (await call('list_order_documents', { ro_id: id })).documents;
    assert.equal(docs[0].language, 'zh-TW');
    const pdf = Buffer.from((await call('get_document', { document_id: docs[0].id })).data_url.split(',')[1], 'base64');
    mkdirSync(join(ARTIFACTS, 'documents'), { recursive: true });
    const pdfPath = join(ARTIFACTS, 'documents', 'e2e-intake-zh-TW.pdf');
    writeFileSync(pdfPath, pdf);
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    for (const words of ['維修委託書', '工單號', '車架號', '委託條款', '本站對所修項目提供品質保證']) assert.ok(text.includes(words), `${words} on the paper`);
    assert.ok(!text.includes('维修委托书'), 'no Simplified title');
  });
});
