// Signatures in the browser: the customer and the advisor sign the intake on
// screen with pointer events; an empty pad is refused beside the pad and
// nothing is recorded; the signed authorization moves the order to approved
// and the chain shows it signed, with its hash; printed, the PDF opens, is
// archived, saves byte for byte and carries the drawn signature and the hash;
// a manager verifies the chain intact.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { join } from 'node:path';
import { ARTIFACTS, callApi, logIn, openOrder, screenshot, staffLogin, withApp } from './helpers.mjs';
import { stageOrders } from './scenario.mjs';

/** Draws a signature-like zigzag on the pad inside `scope` with the mouse (pointer events). */
async function drawSignature(page, scope) {
  const canvas = scope.locator('[data-testid=signature-canvas]');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  assert.ok(box && box.width > 100 && box.height > 50, `the pad is laid out: ${JSON.stringify(box)}`);
  const strokes = [
    [[0.1, 0.6], [0.18, 0.3], [0.24, 0.7], [0.3, 0.35], [0.36, 0.65], [0.42, 0.4]],
    [[0.5, 0.55], [0.58, 0.3], [0.64, 0.6], [0.72, 0.4], [0.8, 0.62], [0.9, 0.45]],
  ];
  for (const stroke of strokes) {
    const [[x0, y0], ...rest] = stroke;
    await page.mouse.move(box.x + x0 * box.width, box.y + y0 * box.height);
    await page.mouse.down();
    for (const [x, y] of rest) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 6 });
    await page.mouse.up();
  }
}

test('sign the intake on screen: an empty pad is refused beside it; signed, the order is approved, the chain shows the hash and the printed PDF shows the signature', { timeout: 240_000 }, async () => {
  await withApp(async (page, app) => {
    try {
      await callApi(app.url, 'load_demo_data');
      const { estimate_ready: id } = await stageOrders(app.url);
      assert.ok(id, 'an order awaiting approval');
      const { token: mgr } = await staffLogin(app.url, '王经理', '1111');
      const before = await callApi(app.url, 'get_order_detail', { id }, mgr);
      assert.equal(before.order.status, 'estimate_ready');

      await page.reload();
      await logIn(page, { staffName: '李顾问', pin: '2222' });
      await openOrder(page, app.url, id);
      await page.getByTestId('auth-open').click();
      const form = page.getByTestId('auth-form');
      await form.waitFor();
      const customer = form.getByTestId('customer-sig');
      const advisor = form.getByTestId('advisor-sig');
      await customer.locator('[data-testid=signature-canvas]').waitFor();
      await advisor.locator('[data-testid=signature-canvas]').waitFor();

      // Nothing drawn: refused beside the customer's pad, and nothing is recorded.
      await page.getByTestId('auth-submit').click();
      const empty = customer.locator('[data-testid=field-error][data-field="customer_signature.strokes"][data-code="signature.empty"]');
      await empty.waitFor();
      assert.ok((await empty.textContent()).trim().length > 0);
      await screenshot(page, 'signature-empty-refused');
      const unchanged = await callApi(app.url, 'get_order_detail', { id }, mgr);
      assert.equal(unchanged.order.status, 'estimate_ready');
      assert.equal(unchanged.order.version, before.order.version);
      assert.equal(unchanged.authorizations.length, 0);

      // Both sign on screen.
      await drawSignature(page, customer);
      await empty.waitFor({ state: 'detached' });
      await drawSignature(page, advisor);
      await form.scrollIntoViewIfNeeded();
      await form.screenshot({ path: join(ARTIFACTS, `signature-form-zh-CN.png`) });
      await page.getByTestId('lang-en').click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      await form.screenshot({ path: join(ARTIFACTS, `signature-form-en.png`) });
      await page.getByTestId('lang-zh').click();
      await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');

      await page.getByTestId('auth-submit').click();
      await page.locator('[data-testid=repair-order][data-status="approved"]').waitFor();
      const after = await callApi(app.url, 'get_order_detail', { id }, mgr);
      assert.equal(after.order.status, 'approved');
      assert.equal(after.authorizations.length, 1);
      const auth = after.authorizations[0];
      assert.equal(auth.kind, 'intake');
      assert.equal(auth.signed, true);
      assert.match(auth.hash, /^[0-9a-f]{64}$/);
      assert.deepEqual(auth.signatures.map((s) => [s.role, s.method]).sort(), [['advisor', 'on_screen'], ['customer', 'on_screen']]);
      assert.ok(auth.signatures.every((s) => s.png_sha256 && s.strokes_sha256));

      // The chain on the page: signed, with that hash, and the signature images.
      const row = page.locator('[data-testid=authorization][data-kind=intake]');
      await row.getByTestId('auth-signed').waitFor();
      assert.equal(await row.getAttribute('data-signed'), 'true');
      const hash = row.getByTestId('auth-hash');
      assert.equal(await hash.getAttribute('data-hash'), auth.hash);
      assert.equal(await hash.getAttribute('title'), auth.hash);
      assert.ok(auth.hash.startsWith((await hash.textContent()).replace('…', '').trim()));
      await row.locator('[data-testid=auth-signature][data-role=customer] img').waitFor();
      await row.locator('[data-testid=auth-signature][data-role=advisor] img').waitFor();

      // Print it: the PDF opens in a new tab and lands in the order's archive.
      const opened = page.context().waitForEvent('page');
      await row.getByTestId('auth-print').click();
      const tab = await opened;
      assert.match(tab.url(), /^blob:/, 'the PDF opens from the bytes the station sent');
      await tab.close();
      const archived = page.locator('[data-testid=archived-document][data-kind=intake_order]');
      await archived.waitFor();
      const docs = (await callApi(app.url, 'list_order_documents', { ro_id: id }, mgr)).documents;
      assert.equal(docs.length, 1);
      assert.equal(docs[0].content_hash, auth.hash);
      assert.equal(await archived.getAttribute('data-id'), docs[0].id);
      // No CUPS on a test machine: the page says to print from the viewer instead.
      const printers = await callApi(app.url, 'list_printers', {}, mgr);
      if (!printers.cups) await page.getByTestId('docs-no-printer').waitFor();

      // Save a copy: the download is the archived PDF, byte for byte.
      const downloading = page.waitForEvent('download');
      await archived.getByTestId('doc-save').click();
      const download = await downloading;
      assert.equal(download.suggestedFilename(), `${after.order.number}-intake-zh-CN-${auth.hash.slice(0, 8)}.pdf`);
      mkdirSync(join(ARTIFACTS, 'documents'), { recursive: true });
      const pdfPath = join(ARTIFACTS, 'documents', 'e2e-signed-intake.pdf');
      await download.saveAs(pdfPath);
      const saved = readFileSync(pdfPath);
      const stored = await callApi(app.url, 'get_document', { document_id: docs[0].id }, mgr);
      assert.equal(saved.toString('base64'), stored.data_url.split(',')[1]);
      assert.equal(saved.subarray(0, 5).toString(), '%PDF-');

      // What is on the paper: the order, the customer, the hash, and the signature images.
      const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
      assert.ok(text.includes(after.order.number), 'the order number is printed');
      assert.ok(text.includes(after.order.customer.name), 'the customer is printed');
      assert.ok(text.replace(/\s+/g, '').includes(auth.hash), 'the SHA-256 is printed in full');
      // `pdfimages -list` rows: page num type …; a PNG with transparency adds an `smask` row.
      const images = execFileSync('pdfimages', ['-list', pdfPath], { encoding: 'utf8' })
        .split('\n')
        .slice(2)
        .filter((l) => l.trim().split(/\s+/)[2] === 'image');
      // The QR code and the walk-around diagram are vector drawings; the two signatures are the images.
      assert.equal(images.length, 2, `both drawn signatures are images in the PDF:\n${images.join('\n')}`);
      execFileSync('pdftoppm', ['-png', '-r', '70', pdfPath, join(ARTIFACTS, 'documents', 'e2e-signed-intake')]);
      await page.getByTestId('documents-section').screenshot({ path: join(ARTIFACTS, 'documents-archive-zh-CN.png') });

      // A manager verifies the chain: intact.
      await page.getByTestId('logout').click();
      await logIn(page, { staffName: '王经理', pin: '1111' });
      await openOrder(page, app.url, id);
      await page.getByTestId('verify-order').click();
      await page.locator('[data-testid=verify-result][data-status=intact]').waitFor();
      await page.locator('[data-testid=authorization][data-kind=intake] [data-testid=auth-verify][data-status=intact]').waitFor();
      const section = page.getByTestId('authorization-section');
      await section.scrollIntoViewIfNeeded();
      await section.screenshot({ path: join(ARTIFACTS, `signature-chain-zh-CN.png`) });
      await page.getByTestId('lang-en').click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      await section.screenshot({ path: join(ARTIFACTS, `signature-chain-en.png`) });
      await page.getByTestId('lang-zh').click();
    } catch (e) {
      await screenshot(page, 'signature-failure').catch(() => undefined);
      throw e;
    }
  });
});
