// The desk at the sizes it is used at (a 1024×768 tablet, a 1280×800 desk) in
// all three languages: the top bar keeps the user, the language switch and
// Log out on screen without a sideways scroll, the search box shows its whole
// hint, the board shows all its columns with whole order numbers, and a board
// still loading says so instead of "0 orders". Screenshots of the board at both
// sizes in every language land in tests/artifacts/board-<size>-<locale>.png.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, LANG_BUTTON, logIn, screenshot, staffLogin, uiText, withApp } from './helpers.mjs';
import { stageOrders } from './scenario.mjs';

const SIZES = [
  [1024, 768],
  [1280, 800],
];
const LOCALES = ['zh-CN', 'zh-TW', 'en'];

/** What overflows: the page's sideways scroll, and the top bar's controls outside the window. */
async function overflow(page) {
  return page.evaluate(() => {
    const out = [];
    const vw = window.innerWidth;
    if (document.documentElement.scrollWidth > vw) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
    for (const id of ['current-user', 'logout', 'lang-zh', 'lang-zh-tw', 'lang-en', 'search-input']) {
      const el = document.querySelector(`[data-testid="${id}"]`);
      if (!el) {
        out.push(`${id} missing`);
        continue;
      }
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.left < 0 || r.right > vw + 0.5) out.push(`${id} at ${Math.round(r.left)}–${Math.round(r.right)} of ${vw}`);
    }
    // The user, the language switch and Log out stay on the brand's row (the nav may take a row of its own).
    const brand = document.querySelector('[data-testid="topbar"] .brand')?.getBoundingClientRect();
    for (const id of ['current-user', 'logout', 'lang-en']) {
      const r = document.querySelector(`[data-testid="${id}"]`)?.getBoundingClientRect();
      if (brand && r && (r.top + r.height / 2 < brand.top || r.top + r.height / 2 > brand.bottom)) out.push(`${id} is not on the brand's row`);
    }
    // The search box's hint is whole: its text fits the box.
    const input = document.querySelector('[data-testid="search-input"]');
    if (input) {
      const style = getComputedStyle(input);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const need = ctx.measureText(input.placeholder).width;
      if (need > room + 1) out.push(`search hint "${input.placeholder}" needs ${Math.round(need)} px, has ${Math.round(room)}`);
    }
    return out;
  });
}

/** The board's column headers that are not wholly inside the window, and the order numbers drawn cut off. */
async function boardProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const [vw, vh] = [window.innerWidth, window.innerHeight];
    const heads = [...document.querySelectorAll('[data-testid="board-column"] h2')];
    for (const h of heads) {
      const r = h.getBoundingClientRect();
      if (r.left < 0 || r.right > vw + 0.5 || r.top < 0 || r.bottom > vh) out.push(`column ${h.textContent} at (${Math.round(r.left)}, ${Math.round(r.top)})–(${Math.round(r.right)}, ${Math.round(r.bottom)})`);
    }
    for (const c of document.querySelectorAll('[data-testid="board-card"]')) {
      if (c.scrollWidth > c.clientWidth + 1) out.push(`card ${c.dataset.number}: its content runs past its edge`);
    }
    for (const n of document.querySelectorAll('[data-testid="board-card"] .number')) {
      if (n.scrollWidth > n.clientWidth + 1) out.push(`number ${n.textContent} cut: ${n.scrollWidth} > ${n.clientWidth}`);
    }
    return { columns: heads.length, problems: out };
  });
}

test('the top bar and the board fit 1024×768 and 1280×800 in all three languages; the board says it is loading', { timeout: 600_000 }, async () => {
  await withApp(async (page, app) => {
    await callApi(app.url, 'load_demo_data');
    await stageOrders(app.url);
    // A high-priority and an urgent order, so the cards carry a badge beside the number.
    const mgr = (await staffLogin(app.url, '王经理', '1111')).token;
    const board = await callApi(app.url, 'board', {}, mgr);
    const statuses = board.statuses;
    assert.equal(statuses.length, 8, `the board has 8 columns: ${statuses}`);

    await page.reload();
    await logIn(page, { staffName: '李顾问', pin: '2222' });
    for (const locale of LOCALES) {
      await page.getByTestId(LANG_BUTTON[locale]).click();
      await page.waitForFunction((l) => document.documentElement.lang === l, locale);
      for (const [width, height] of SIZES) {
        await page.setViewportSize({ width, height });
        await page.getByTestId('nav-board').click();
        await page.getByTestId('board-card').first().waitFor();
        await page.waitForTimeout(500);
        assert.deepEqual(await overflow(page), [], `${locale} ${width}×${height}: the top bar`);
        const b = await boardProblems(page);
        assert.equal(b.columns, 8, `${locale} ${width}×${height}: eight columns`);
        // Every column's name in view (质检中 and 待交车 too), every card whole.
        assert.deepEqual(b.problems, [], `${locale} ${width}×${height}: the board`);
        await screenshot(page, `board-${width}x${height}-${locale}`);
      }
    }

    // The manager has the most entries in the top bar, the QC inspector few (the nav stays beside the search):
    // both fit, in every language at both sizes.
    for (const [name, pin] of [['赵质检', '4444'], ['王经理', '1111']]) {
      await page.getByTestId('logout').click();
      await logIn(page, { staffName: name, pin });
      for (const locale of LOCALES) {
        await page.getByTestId(LANG_BUTTON[locale]).click();
        for (const [width, height] of SIZES) {
          await page.setViewportSize({ width, height });
          await page.getByTestId('nav-board').waitFor();
          await page.waitForTimeout(300);
          assert.deepEqual(await overflow(page), [], `${name} in ${locale} at ${width}×${height}`);
        }
      }
    }
    await page.getByTestId('nav-board').click();
    await page.getByTestId('board-card').first().waitFor();
    // English at 1024×768, where Log out used to be pushed off the screen.
    await page.getByTestId(LANG_BUTTON.en).click();
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.waitForTimeout(300);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll');
    const logout = await page.getByTestId('logout').boundingBox();
    assert.ok(logout && logout.x >= 0 && logout.x + logout.width <= 1024 && logout.y + logout.height <= 768, `Log out is on screen: ${JSON.stringify(logout)}`);
    await screenshot(page, 'topbar-manager-1024x768-en');

    // While the board loads, it says so rather than "0 orders in the shop".
    await page.route('**/api/board', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.getByTestId(LANG_BUTTON['zh-CN']).click();
    await page.reload();
    await page.getByTestId('board').waitFor();
    const head = await page.getByTestId('board-count').textContent();
    assert.equal(head.trim(), uiText('common.loading', 'zh-CN'));
    assert.ok(!head.includes(uiText('board.count', 'zh-CN', { n: 0 })));
    await page.getByTestId('board-card').first().waitFor();
    assert.equal((await page.getByTestId('board-count').textContent()).trim(), uiText('board.count', 'zh-CN', { n: (await callApi(app.url, 'board', {}, mgr)).cards.length }));
    await page.unroute('**/api/board');
  });
});
