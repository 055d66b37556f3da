// The admin console in a real browser against a real server, in both
// languages: users (add, role, new password, disable, delete), API tokens
// (create with the one-time display, revoke), devices (last report and
// battery, register, edit and move, new token, delete), monitoring rules
// (from a template, enable/disable, edit, test on the last day, delete),
// plot import by dropping a file (the dry-run report, then the import),
// the audit log,
// and that nobody but an admin gets the console.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Oasis, plotsGeoJSON } from './lib/oasis.mjs';
import { launch, signIn } from './lib/browser.mjs';

const VIEWPORT = { width: 1600, height: 1000 };
let oasis, browser, codes;

before(async () => {
  oasis = new Oasis().init();
  await oasis.start();
  const fc = plotsGeoJSON(3);
  oasis.importPlots(fc);
  codes = fc.features.map((f) => f.properties.code);
  await oasis.device('sp-1', 'soil_probe', codes[0]);
  await oasis.device('ws-1', 'weather_station', codes[1]);
  const now = Date.now();
  // 4 h at 1 C, then 2 h at 8 C: a frost rule opens once and closes once
  const items = [];
  for (let i = 0; i < 36; i++)
    items.push({ device: 'ws-1', ts: now - 6 * 3600e3 + i * 600e3, values: { air_temp: i < 24 ? 1 : 8 } });
  items.push({ device: 'sp-1', ts: now - 5 * 60e3, values: { moisture_10cm: 21, battery: 3.71 } });
  await oasis.telemetry(items);
  await oasis.user('duty', 'operator', 'operator-pass-1');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await oasis?.close();
});

async function adminConsole(locale, tab) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.stack || e.message));
  await page.goto(oasis.url + '/?lang=' + locale);
  await page.fill('[name=username]', 'admin');
  await page.fill('[name=password]', oasis.adminPassword);
  await page.click('#login [type=submit]');
  await page.waitForSelector('.admin-open');
  await page.click('.admin-open');
  await openTab(page, tab);
  return page;
}

async function openTab(page, tab) {
  await page.click(`.admin-tabs [data-page=${tab}]`);
  await page.waitForSelector(`.admin-page[data-page=${tab}][data-ready=true]`);
}

/** Accept the next confirmation dialog. */
function accept(page) {
  page.once('dialog', (d) => d.accept());
}

const text = (page, sel) => page.locator(sel).first().innerText();
const message = async (page) => {
  await page.waitForSelector('.admin-message:not([hidden])');
  return text(page, '.admin-message');
};

test('users: add, change the role, new password, disable, delete (zh-CN)', async () => {
  const page = await adminConsole('zh-CN', 'users');
  assert.equal(await text(page, '#admin-title'), '管理控制台');
  assert.equal(await text(page, '.admin-tabs [data-page=users]'), '用户');
  // the admin's own row cannot be deleted nor demoted
  const own = page.locator('tr[data-user=admin]');
  assert.equal(await own.locator('text=删除').count(), 0);
  assert.ok(await own.locator('select[name=role]').isDisabled());
  await page.fill('.admin-form [name=username]', 'lin');
  await page.selectOption('.admin-form [name=role]', 'operator');
  await page.fill('.admin-form [name=password]', 'lin-pass-123');
  await page.click('.admin-form [type=submit]');
  assert.equal(await message(page), '已添加用户 lin');
  const row = page.locator('tr[data-user=lin]');
  assert.equal(await row.locator('select[name=role]').inputValue(), 'operator');
  await row.locator('select[name=role]').selectOption('viewer');
  await page.waitForFunction(() => document.querySelector('.admin-message')?.textContent.includes('查看者'));
  let users = (await oasis.api('GET', '/users')).users;
  assert.equal(users.find((u) => u.name === 'lin').role, 'viewer');
  // a new password, shown once
  accept(page);
  await page.locator('tr[data-user=lin] >> text=重置密码').click();
  await page.waitForSelector('.admin-secret');
  const shown = await text(page, '.admin-secret-value');
  assert.match(shown, /^lin \/ \S{20}$/);
  assert.match(await text(page, '.admin-secret'), /只显示这一次/);
  await page.click('.admin-secret button');
  assert.equal(await page.locator('.admin-secret').count(), 0);
  const login = await fetch(oasis.url + '/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'lin', password: shown.split(' / ')[1] }) });
  assert.equal(login.status, 200);
  accept(page);
  await page.locator('tr[data-user=lin] >> text=停用').click();
  await page.waitForFunction(() => document.querySelector('tr[data-user=lin] .state-disabled')?.textContent === '已停用');
  accept(page);
  await page.locator('tr[data-user=lin] >> text=删除').click();
  await page.waitForFunction(() => !document.querySelector('tr[data-user=lin]'));
  users = (await oasis.api('GET', '/users')).users;
  assert.ok(!users.some((u) => u.name === 'lin'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('API tokens: created with the secret shown once, revoked (en)', async () => {
  const page = await adminConsole('en', 'tokens');
  assert.equal(await text(page, '.admin-tabs [data-page=tokens]'), 'API tokens');
  await page.fill('.admin-form [name=name]', 'wall-screen');
  await page.selectOption('.admin-form [name=role]', 'viewer');
  await page.click('.admin-form [type=submit]');
  await page.waitForSelector('.admin-secret');
  const secret = await text(page, '.admin-secret-value');
  assert.match(secret, /^oa_/);
  assert.match(await text(page, '.admin-secret'), /Shown this once/);
  const me = await oasis.api('GET', '/me', undefined, secret);
  assert.equal(me.role, 'viewer');
  await page.click('.admin-secret button');
  const row = page.locator('tr[data-token]', { hasText: 'wall-screen' });
  assert.equal(await row.locator('.state-active').innerText(), 'live');
  assert.ok(!(await page.content()).includes(secret), 'the secret is not on the page any more');
  accept(page);
  await row.locator('text=Revoke').click();
  await page.waitForFunction(() => [...document.querySelectorAll('tr[data-token]')]
    .some((r) => r.textContent.includes('wall-screen') && r.querySelector('.state-disabled')));
  const res = await fetch(oasis.url + '/api/v1/me', { headers: { Authorization: 'Bearer ' + secret } });
  assert.equal(res.status, 401);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('devices: last report and battery, register, edit and move, new token, delete (en)', async () => {
  const page = await adminConsole('en', 'devices');
  const probe = page.locator('tr[data-device=sp-1]');
  assert.equal(await probe.locator('.admin-battery').innerText(), '3.71 V');
  assert.match(await probe.locator('.admin-seen').innerText(), /min ago/);
  assert.equal(await page.locator('tr[data-device=ws-1] .admin-battery').innerText(), '—');
  // register
  await page.fill('.admin-form [name=id]', 'fm-9');
  await page.selectOption('.admin-form [name=kind]', 'flow_meter');
  await page.fill('.admin-form [name=plot]', codes[0]);
  await page.click('.admin-form [type=submit]');
  await page.waitForSelector('.admin-secret');
  const first = await text(page, '.admin-secret-value');
  assert.match(first, /^oa_/);
  await page.click('.admin-secret button');
  assert.equal(await page.locator('tr[data-device=fm-9] .admin-seen').innerText(), 'never');
  // edit: a name and another plot
  await page.locator('tr[data-device=fm-9] >> text=Edit').click();
  const editing = page.locator('tr[data-device=fm-9].editing');
  await editing.locator('[name=name]').fill('Main line meter');
  await editing.locator('[name=plot]').fill(codes[2]);
  await editing.locator('[name=lon]').fill('86.19');
  await editing.locator('[name=lat]').fill('44.285');
  await editing.locator('button[type=submit]').click();
  await page.waitForFunction(() => !document.querySelector('tr.editing'));
  const moved = (await oasis.api('GET', '/devices?plot=' + codes[2])).devices.find((d) => d.id === 'fm-9');
  assert.equal(moved.name, 'Main line meter');
  assert.deepEqual(moved.location, [86.19, 44.285]);
  assert.match(await text(page, 'tr[data-device=fm-9]'), new RegExp(codes[2]));
  // a new token: the old one stops
  accept(page);
  await page.locator('tr[data-device=fm-9] >> text=New token').click();
  await page.waitForSelector('.admin-secret');
  const second = await text(page, '.admin-secret-value');
  assert.notEqual(second, first);
  const write = (token) => fetch(oasis.url + '/api/v1/telemetry', {
    method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ device: 'fm-9', ts: Date.now() - 1000, values: { flow: 1.5 } }) });
  assert.equal((await write(first)).status, 401);
  assert.ok((await write(second)).ok);
  await page.click('.admin-secret button');
  accept(page);
  await page.locator('tr[data-device=fm-9] >> text=Delete').click();
  await page.waitForFunction(() => !document.querySelector('tr[data-device=fm-9]'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('rules: from a template, off and on, edited, tested on the last day, deleted (zh-CN)', async () => {
  const page = await adminConsole('zh-CN', 'rules');
  await page.selectOption('.admin-form [name=template]', 'frost');
  assert.match(await text(page, '.admin-template-doc'), /air_temp/);
  await page.fill('.admin-form [name=name]', '一号站霜冻');
  await page.fill('.admin-form [name=device]', 'ws-1');
  await page.click('.admin-form [type=submit]');
  assert.equal(await message(page), '已新建规则 一号站霜冻');
  const row = page.locator('tr[data-rule]', { hasText: '一号站霜冻' });
  const id = await row.getAttribute('data-rule');
  assert.match(await row.innerText(), /霜冻/);
  // off, then on again
  await row.locator('input[type=checkbox]').uncheck();
  await page.waitForFunction(() => document.querySelector('.admin-message')?.textContent.includes('已停用'));
  assert.equal((await oasis.api('GET', '/rules/' + id)).enabled, false);
  await page.locator(`tr[data-rule="${id}"] input[type=checkbox]`).check();
  await page.waitForFunction(() => document.querySelector('.admin-message')?.textContent.includes('已启用'));
  assert.equal((await oasis.api('GET', '/rules/' + id)).enabled, true);
  // test on the last day: 4 h at 1 C then 8 C
  await page.locator(`tr[data-rule="${id}"] >> text=用最近一天数据测试`).click();
  await page.waitForSelector(`.admin-test[data-rule="${id}"]`);
  assert.match(await text(page, `.admin-test[data-rule="${id}"]`), /1 台设备、36 个数据点，将触发 1 次告警、解除 1 次/);
  assert.equal(await page.locator(`.admin-test[data-rule="${id}"] li`).count(), 2);
  // edit the threshold down to 0 C: no frost any more
  await page.locator(`tr[data-rule="${id}"] >> text=编辑`).click();
  await page.fill('.admin-rule-edit [name=threshold0]', '0');
  await page.fill('.admin-rule-edit [name=clear0]', '1');
  await page.fill('.admin-rule-edit [name=for_min]', '5');
  await page.click('.admin-rule-edit [type=submit]');
  await page.waitForFunction(() => !document.querySelector('.admin-rule-edit'));
  const rule = await oasis.api('GET', '/rules/' + id);
  assert.equal(rule.conditions[0].threshold, 0);
  assert.equal(rule.for_s, 300);
  await page.locator(`tr[data-rule="${id}"] >> text=用最近一天数据测试`).click();
  await page.waitForFunction((rid) => /将触发 0 次告警/.test(document.querySelector(`.admin-test[data-rule="${rid}"]`)?.textContent || ''), id);
  accept(page);
  await page.locator(`tr[data-rule="${id}"] >> text=删除`).click();
  await page.waitForFunction((rid) => !document.querySelector(`tr[data-rule="${rid}"]`), id);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/** Drop a file with this text on the drop zone, as a person would. */
async function dropFile(page, name, content) {
  const dt = await page.evaluateHandle(([n, c]) => {
    const d = new DataTransfer();
    d.items.add(new File([c], n, { type: 'application/geo+json' }));
    return d;
  }, [name, content]);
  await page.dispatchEvent('.admin-drop', 'drop', { dataTransfer: dt });
}

test('plot import: a dropped file is checked first, then imported (en, zh-CN)', async () => {
  const page = await adminConsole('en', 'plots');
  const fc = plotsGeoJSON(5);
  fc.features = fc.features.slice(3).map((f, i) => ({ ...f, properties: { ...f.properties, code: 'NEW-' + (i + 1) } }));
  await dropFile(page, 'new.geojson', JSON.stringify(fc));
  await page.waitForSelector('.admin-report');
  assert.match(await text(page, '.admin-report h3'), /not imported yet/);
  assert.match(await text(page, '.admin-report'), /Features\s+2[\s\S]*New\s+2/);
  assert.equal((await oasis.api('GET', '/plots')).features.length, 3, 'a dry run stores nothing');
  await page.click('.admin-import');
  await page.waitForSelector('.admin-report[data-stored=true]');
  assert.equal(await message(page), 'Imported: 2 new, 0 updated');
  assert.equal((await oasis.api('GET', '/plots')).features.length, 5);
  // a file with a broken plot: its rejection says which and why
  const bad = plotsGeoJSON(1);
  bad.features[0].properties.code = 'BAD-1';
  bad.features[0].geometry.coordinates = [[[86, 44], [86.001, 44]]];
  await page.evaluate(() => document.querySelector('.lang-switch').click());
  await page.waitForFunction(() => document.querySelector('.admin-tabs [data-page=plots]').textContent === '地块导入');
  await dropFile(page, 'bad.geojson', JSON.stringify(bad));
  await page.waitForSelector('.admin-rejects li');
  assert.match(await text(page, '.admin-rejects li'), /BAD-1/);
  assert.ok(await page.locator('.admin-import').isDisabled());
  assert.match(await text(page, '.admin-report'), /有误\s+1/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the audit log lists who changed what, newest first (zh-CN, en)', async () => {
  await oasis.api('POST', '/tokens', { name: 'audited-token', role: 'viewer' });
  const page = await adminConsole('zh-CN', 'audit');
  assert.equal(await text(page, '.admin-tabs [data-page=audit]'), '审计日志');
  const first = page.locator('.admin-table.audit tbody tr').first();
  assert.match(await first.innerText(), /browser-tests[\s\S]*管理员[\s\S]*POST \/api\/v1\/tokens[\s\S]*201/);
  await page.evaluate(() => document.querySelector('.lang-switch').click());
  await page.waitForFunction(() => document.querySelector('.admin-table.audit th')?.textContent === 'Time');
  assert.match(await page.locator('.admin-table.audit tbody tr').first().innerText(), /admin/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('only an admin gets the console', async () => {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' });
  const page = await context.newPage();
  await signIn(page, oasis.url, 'duty', 'operator-pass-1');
  await page.waitForTimeout(300);
  assert.equal(await page.locator('.admin-open').count(), 0);
  assert.equal(await page.locator('#admin').count(), 0);
  const res = await page.evaluate(() => fetch('/api/v1/users').then((r) => r.status));
  assert.equal(res, 403);
  await context.close();
});
