// The complaint category tree in Settings (投诉分类): the manager adds a station
// entry at each of the three levels (交车 › 车辆清洁 › 内饰未清洁), an empty
// Chinese name is refused beside its field, the new third-level entry is then
// offered by the new-complaint form and a complaint filed under it carries the
// three names; an advisor sees the same tree without the add actions. The tree
// is shot in zh-CN and in English.
import assert from 'node:assert/strict';


import { test } from 'node:test';
import { callApi, logIn, screenshot, setLocale, tokenOf, uiText, withApp } from './helpers.mjs';

const MANAGER = { staffName: '王经理', pin: '1111' };
const ADVISOR = { staffName: '李顾问', pin: '2222' };
const PATH = [
  { zh: '交车', en: 'Handover' },
  { zh: '车辆清洁', en: 'Vehicle cleaning' },
  { zh: '内饰未清洁', en: '' },
];

const tr = (key, lang = 'zh-CN') => uiText(key, lang);

/** Shoots the screen in zh-CN and in English (`complaint-categories-<name>-<lang>.png`); back in zh-CN after. */
async function shootBoth(page, name) {
  for (const lang of ['zh-CN', 'en']) {
    await setLocale(page, lang);
    await page.getByRole('heading', { name: tr('categories.title', lang) }).waitFor();
    await screenshot(page, `complaint-categories-${name}-${lang}`);
  }
  await setLocale(page, 'zh-CN');
}

const entry = (page, nameZh) => page.locator(`[data-testid=category][data-name="${nameZh}"]`);
/** The entry's own line (not its children's). */
const ownLine = (page, nameZh) => entry(page, nameZh).locator(':scope > .entry');

async function add(page, form, { zh, en }) {
  await form.getByLabel(tr('categories.name_zh')).fill(zh);
  await form.getByLabel(tr('categories.name_en')).fill(en);
  await form.getByTestId('category-add-save').click();
  await entry(page, zh).waitFor();
  assert.equal(await page.getByTestId('category-add-form').count(), 0, 'the form closes once saved');
}

test('complaint categories: the manager adds three levels, a complaint is filed under the new entry, an advisor only reads', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    const mgr = (await callApi(app.url, 'first_run_setup', { station_code: 'SH01', station_name: '测试服务站', manager_name: MANAGER.staffName, manager_pin: MANAGER.pin, utc_offset_minutes: 480 })).token;
    await callApi(app.url, 'create_staff', { name: ADVISOR.staffName, role: 'advisor', pin: ADVISOR.pin }, mgr);
    await page.reload();
    await logIn(page, MANAGER);
    await setLocale(page, 'zh-CN');

    // Settings → the complaint categories tab, next to time limits.
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('tab-time-limits').waitFor();
    await page.getByTestId('tab-complaint-categories').click();
    await page.getByTestId('complaint-categories').waitFor();
    assert.equal(await page.getByTestId('tab-complaint-categories').textContent(), tr('settings.tab_categories'));
    await page.getByTestId('categories-hint').getByText(tr('categories.hint')).waitFor();
    // The shipped defaults: three levels, badged 默认, the English name small beside.
    await ownLine(page, '服务').getByText('Service').waitFor();
    assert.equal(await ownLine(page, '服务').getByTestId('category-source').textContent(), tr('categories.source_default'));
    assert.equal(await entry(page, '服务').locator('[data-testid=category][data-name="服务态度"] [data-testid=category][data-name="接待不及时"]').count(), 1);
    assert.equal(await ownLine(page, '接待不及时').getByTestId('category-add').count(), 0, 'no add under a third-level entry');

    // An empty Chinese name: the core's refusal beside the field, nothing added.
    const before = (await callApi(app.url, 'list_complaint_categories', {}, mgr)).categories.length;
    await page.getByTestId('category-add-top').click();
    const topForm = page.locator('[data-testid=category-add-form][data-parent=""]');
    await topForm.getByTestId('category-add-save').click();
    const err = topForm.locator('[data-testid=field-error][data-field=name_zh]');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-code'), 'text.required');
    assert.equal((await err.textContent()).trim(), tr('errors.text.required'));
    assert.equal(await topForm.locator('[data-testid=field-error]').count(), 1);
    assert.equal((await callApi(app.url, 'list_complaint_categories', {}, mgr)).categories.length, before);
    await screenshot(page, 'complaint-categories-01-empty-name-zh-CN');
    await setLocale(page, 'en');
    await topForm.locator('[data-testid=field-error][data-field=name_zh]').getByText(tr('errors.text.required', 'en')).waitFor();
    await screenshot(page, 'complaint-categories-01-empty-name-en');
    await setLocale(page, 'zh-CN');

    // 交车 at the top, 车辆清洁 under it, 内饰未清洁 under that.
    await add(page, topForm, PATH[0]);
    assert.equal(await ownLine(page, PATH[0].zh).getByTestId('category-source').textContent(), tr('categories.source_station'));
    await ownLine(page, PATH[0].zh).getByTestId('category-add').click();
    await add(page, entry(page, PATH[0].zh).getByTestId('category-add-form'), PATH[1]);
    await ownLine(page, PATH[1].zh).getByTestId('category-add').click();
    await add(page, entry(page, PATH[1].zh).getByTestId('category-add-form'), PATH[2]);
    const leaf = entry(page, PATH[0].zh).locator(`[data-testid=category][data-name="${PATH[1].zh}"] [data-testid=category][data-name="${PATH[2].zh}"]`);
    assert.equal(await leaf.getAttribute('data-level'), '3');
    assert.equal(await ownLine(page, PATH[2].zh).getByTestId('category-add').count(), 0);
    assert.equal(await ownLine(page, PATH[2].zh).getByTestId('category-source').textContent(), tr('categories.source_station'));

    const cats = (await callApi(app.url, 'list_complaint_categories', {}, mgr)).categories;
    const [top, mid, low] = PATH.map((p) => cats.find((c) => c.name_zh === p.zh));
    assert.deepEqual([top.parent_id, mid.parent_id, low.parent_id], [null, top.id, mid.id]);
    assert.deepEqual([top.level, mid.level, low.level], [1, 2, 3]);
    assert.ok([top, mid, low].every((c) => c.source === 'station' && c.active));
    assert.equal(mid.name_en, 'Vehicle cleaning');

    await shootBoth(page, '02-tree-manager');
    // In English the entries show their English names (the Chinese small beside); one without falls back to Chinese.
    await setLocale(page, 'en');
    await ownLine(page, PATH[1].zh).locator('.name').getByText('Vehicle cleaning', { exact: true }).waitFor();
    await ownLine(page, PATH[1].zh).locator('.other').getByText(PATH[1].zh, { exact: true }).waitFor();
    assert.equal(await ownLine(page, PATH[2].zh).locator('.name').textContent(), PATH[2].zh);
    assert.equal(await ownLine(page, PATH[2].zh).locator('.other').count(), 0);
    await setLocale(page, 'zh-CN');

    // The new third-level entry in the new-complaint form's picker; a complaint is filed under it.
    await page.goto(`${app.url}/#/complaints/new`);
    const form = page.getByTestId('complaint-form');
    await form.waitFor();
    await form.getByTestId('category-1').selectOption({ label: PATH[0].zh });
    await form.getByTestId('category-2').selectOption({ label: PATH[1].zh });
    await form.getByTestId('category-3').selectOption({ label: PATH[2].zh });
    await form.getByTestId('complaint-description').fill('取车时座椅和脚垫上都是灰');
    await form.getByTestId('complaint-contact-name').fill('陈女士');
    await form.getByTestId('complaint-contact-phone').fill('13800138000');
    await form.getByTestId('complaint-save').click();
    await page.waitForURL(/#\/complaints\/(?!new)[^/]+$/);
    const id = decodeURIComponent(page.url().split('/').pop());
    const detail = await callApi(app.url, 'get_complaint', { id }, await tokenOf(page));
    assert.deepEqual(detail.category.map((c) => c.name_zh), PATH.map((p) => p.zh));
    assert.equal(detail.complaint.category_id, low.id);

    // The advisor sees the tree (and the new entries), without any add action.
    await page.getByTestId('logout').click();
    await logIn(page, ADVISOR);
    await page.goto(`${app.url}/#/settings/complaint-categories`);
    await page.getByTestId('complaint-categories').waitFor();
    await entry(page, PATH[2].zh).waitFor();
    await entry(page, '服务').waitFor();
    assert.equal(await page.getByTestId('category-add').count(), 0);
    assert.equal(await page.getByTestId('category-add-top').count(), 0);
    await page.getByTestId('categories-hint').waitFor();
    await shootBoth(page, '03-tree-advisor');
  });
});
