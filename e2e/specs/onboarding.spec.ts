// Onboarding journeys: real-name verification (reviewer console), the entry exam, the certificate and its
// public check, and what that means for taking orders. Real server process, real Chromium, screenshots to
// docs/screenshots/onboarding-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb, latestCode, root, startPlatform, type RunningPlatform } from '../lib/platform.ts';
import { desktop, launch, phone } from '../lib/browser.ts';
import { totp } from '../lib/totp.ts';
import { idCheckChar } from '../../server/src/modules/identity/checksums.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';
import { runJourney } from '../lib/journey.ts';
import { verifyPersonByApi } from '../lib/identity.ts';

const shots = root + 'docs/screenshots/';
mkdirSync(shots, { recursive: true });
async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400); // antd motion; only affects the picture, never an assertion
  await page.screenshot({ path: `${shots}onboarding-${name}.png` });
}

let server: RunningPlatform;
let emu: PaymentChannelEmulator;
/** A paid (published) shift of the demo station owner, posted once for all journeys. */
let orderId: string;
let browser: Browser;
const PASSWORD = 'Shunfeng#2026';
const DEMO_PASSWORD = 'Dingban#Demo2026';
const newPhone = () => `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

/** A 1×1 PNG: the server checks the type by content (magic bytes). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/**
 * The entry course's answer key, read by the TEST from the question bank seed (never by the client): the
 * server exposes no answers to couriers, and the journey answers as someone who learned the lessons would.
 */
function answerKey(
  file = '0052_training_seed.sql',
  courseId = '0193a000-0000-7000-8000-000000000001',
  atLeast = 20,
): Map<string, { kind: string; correct: string[]; options: string[] }> {
  const sql = readFileSync(root + 'server/migrations/' + file, 'utf8');
  const re = new RegExp(
    `\\(gen_random_uuid\\(\\), '${courseId}', '(single|multiple|true_false)', '((?:[^']|'')*)', '((?:[^']|'')*)'::jsonb, '((?:[^']|'')*)'::jsonb`,
    'g',
  );
  const key = new Map<string, { kind: string; correct: string[]; options: string[] }>();
  for (const m of sql.matchAll(re)) {
    const options = (JSON.parse(m[3]!.replaceAll("''", "'")) as { key: string }[]).map((o) => o.key);
    key.set(m[2]!.replaceAll("''", "'"), { kind: m[1]!, correct: JSON.parse(m[4]!) as string[], options });
  }
  assert.ok(key.size >= atLeast, `parsed the seeded question bank (${key.size})`);
  return key;
}

const artifacts = root + 'e2e/artifacts/';

const journey = (name: string, make: (b: Browser, url: string) => Promise<BrowserContext>, body: (page: Page) => Promise<void>) =>
  runJourney(browser, server, name, make, body);

async function registerByApi(phoneNo: string): Promise<void> {
  const post = (path: string, body: unknown) =>
    fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const sent = await post('/api/v1/auth/codes', { purpose: 'register', channel: 'sms', destination: phoneNo });
  assert.ok(sent.ok, await sent.clone().text());
  const code = await latestCode(server.url, phoneNo);
  const reg = await post('/api/v1/auth/register', {
    kind: 'person',
    channel: 'sms',
    destination: phoneNo,
    code,
    password: PASSWORD,
    displayName: '新骑手',
    client: 'app',
  });
  assert.ok(reg.ok, await reg.clone().text());
}

async function loginUi(page: Page, identifier: string, password: string, totpSecret?: string): Promise<void> {
  await page.goto('/login');
  await page.getByTestId('identifier').fill(identifier);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login-submit').click();
  if (totpSecret) {
    await page.getByTestId('totp').waitFor();
    await page.getByTestId('totp').fill(totp(totpSecret));
    await page.getByTestId('login-submit').click();
  }
  await page.getByTestId('home-hero').waitFor();
}

/** A call made by the logged-in page itself (its session cookie and CSRF token), as the app would. */
async function apiFromPage(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = decodeURIComponent(
        document.cookie
          .split('; ')
          .find((c) => c.startsWith('dingban_csrf='))
          ?.split('=')[1] ?? '',
      );
      const r = await fetch(path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          'x-csrf-token': csrf,
          'accept-language': 'zh-CN',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    },
    { method, path, body },
  );
}

/** The demo station owner posts a shift for the day after tomorrow through the API (the orders pages are someone else's). */
async function postShiftAsDemoOwner(): Promise<string> {
  return (await postShiftsAsDemoOwner([2], '菜鸟驿站（望京店）'))[0]!;
}

/** The demo station owner (verified) opens a store and posts and pays one shift on each of the given days ahead. */
async function postShiftsAsDemoOwner(daysAhead: number[], storeName: string): Promise<string[]> {
  const ctx = await phone(browser, server.url);
  try {
    const page = await ctx.newPage();
    await loginUi(page, '13800000002', DEMO_PASSWORD).catch(async (err: unknown) => {
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: `${artifacts}onboarding-owner.png` }).catch(() => undefined);
      throw err;
    });
    // Posting needs a real-name verification (S5.2): the owner verifies once, with the one pair of the identity
    // provider's dataset that no courier or enterprise of these journeys uses.
    await verifyPersonByApi(page, '赵六', '510107199508157895');
    const store = await apiFromPage(page, 'POST', '/api/v1/stores', {
      name: storeName,
      brands: ['菜鸟'],
      regionCode: '110105',
      address: '北京市朝阳区望京街 10 号',
      lat: 39.99,
      lng: 116.47,
      contactPhone: '13800000002',
    });
    assert.equal(store.status, 201, JSON.stringify(store.json));
    const orders: string[] = [];
    for (const ahead of daysAhead) {
      const day = new Date(Date.now() + ahead * 86_400_000).toISOString().slice(0, 10);
      const order = await apiFromPage(page, 'POST', '/api/v1/orders', {
        storeId: store.json.id,
        typeCode: 'station_duty',
        startsAt: `${day}T01:00:00Z`,
        endsAt: `${day}T05:00:00Z`,
        payFen: 12_000,
      });
      assert.equal(order.status, 201, JSON.stringify(order.json));
      orders.push(String(order.json.id));
    }
    // Money the way the orders journey adds it: a top-up paid at the emulated channel, then pay from the wallet.
    const topup = await apiFromPage(page, 'POST', '/api/v1/wallet/topups', { amountFen: 12_000 * daysAhead.length });
    assert.equal(topup.status, 201, JSON.stringify(topup.json));
    await emu.pay(String(topup.json.outTradeNo));
    for (let i = 0; ; i++) {
      const s = await apiFromPage(page, 'GET', `/api/v1/wallet/topups/${String(topup.json.id)}`);
      if (s.json.status === 'paid') break;
      assert.ok(i < 50, 'top-up was not credited');
      await emu.runDue();
    }
    for (const id of orders) {
      const paid = await apiFromPage(page, 'POST', `/api/v1/orders/${id}/pay`);
      assert.equal(paid.status, 200, JSON.stringify(paid.json));
    }
    return orders;
  } finally {
    await ctx.close();
  }
}

/** Submits the person verification form (two ID photos) on /me/verification. */
async function submitPersonVerification(page: Page, name: string, idNumber: string): Promise<void> {
  await page.getByTestId('real-name').fill(name);
  await page.getByTestId('id-number').fill(idNumber);
  for (const side of ['front', 'back']) {
    await page.getByTestId(`upload-id-${side}`).setInputFiles({ name: `id-${side}.png`, mimeType: 'image/png', buffer: PNG });
    await page.locator(`[data-testid=upload-id-${side}-progress][data-done=true]`).waitFor();
  }
  await page.getByTestId('identity-submit').click();
}

/** Answers every question of the open paper: right (from the seeded key) or deliberately wrong. */
async function answerPaper(page: Page, key: ReturnType<typeof answerKey>, right: boolean): Promise<number> {
  await page.getByTestId('exam-countdown').waitFor();
  const cards = page.getByTestId('exam-question');
  const n = await cards.count();
  for (let i = 0; i < n; i++) {
    const card = cards.nth(i);
    const stem = (await card.getByTestId('exam-stem').innerText()).trim();
    const q = key.get(stem);
    assert.ok(q, `question from the seeded bank: ${stem}`);
    const wrong =
      q.kind === 'multiple'
        ? [q.options.find((o) => !q.correct.includes(o)) ?? q.correct[0]!]
        : [q.options.find((o) => !q.correct.includes(o))!];
    const picks = q.kind === 'true_false' && !right ? [q.correct[0] === 'T' ? 'F' : 'T'] : right ? q.correct : wrong;
    for (const k of picks) await card.getByTestId(`opt-${k}`).click();
  }
  return n;
}

describe('onboarding journeys', { timeout: 180_000 }, () => {
  before(async () => {
    buildWeb();
    emu = createPaymentChannelEmulator();
    await emu.listen(0, '127.0.0.1');
    const credentials = join(mkdtempSync(join(tmpdir(), 'dingban-e2e-onb-')), 'merchant-credentials.json');
    writeFileSync(credentials, JSON.stringify(emu.credentials));
    server = await startPlatform({ DEMO_ACCOUNTS: 'true', WECHATPAY_BASE_URL: emu.url, WECHATPAY_CREDENTIALS_FILE: credentials });
    browser = await launch();
    orderId = await postShiftAsDemoOwner();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await emu?.close();
  });

  it('S5.2b S5.4a S5.4b: a new courier verifies (reviewer approves in the console), passes the entry exam, gets a certificate that the public page confirms, and takes an order', async () => {
    const key = answerKey();
    const phoneNo = newPhone();
    await registerByApi(phoneNo);
    const ctx = await phone(browser, server.url);
    try {
      const page = await ctx.newPage();
      await loginUi(page, phoneNo, PASSWORD);

      // Home → verification: not verified yet; a file that is not JPEG/PNG/PDF is refused in the server's words.
      await page.getByText('实名认证', { exact: true }).first().click();
      await page.getByTestId('identity-status').getByText('尚未实名认证').waitFor();
      await page
        .getByTestId('upload-id-front')
        .setInputFiles({ name: 'id.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
      const refused = await page.getByTestId('upload-id-front-error').innerText();
      assert.ok(refused.length > 0, 'the server says why the file was refused');

      // A valid ID number outside the provider's dataset: the provider answers "unknown", so it waits for a reviewer.
      const first17 = '11010819920815341';
      await submitPersonVerification(page, '陈七', first17 + idCheckChar(first17));
      await page.getByTestId('identity-status-tag').getByText('审核中').waitFor();
      await shot(page, 'verify-pending');

      // Unverified and untrained: the take gate says why.
      const early = await apiFromPage(page, 'POST', `/api/v1/orders/${orderId}/take`);
      assert.equal(early.status, 403);
      assert.equal(early.json.code, 'IDENTITY_NOT_VERIFIED');

      // The reviewer approves in the console after looking at the documents (served by the authorised endpoint).
      await journey('onboarding-reviewer', desktop, async (staff) => {
        await loginUi(staff, 'reviewer@demo.dingban.local', DEMO_PASSWORD, 'DINGBANDEMOTOTPSECRETAAAAAAAAAAA');
        await staff.getByRole('menuitem', { name: '实名审核' }).click();
        await staff.locator('[data-testid^=review-open-]').first().click();
        // Both ID photos load (each through the authorised, audited endpoint).
        await staff.getByTestId('kyc-doc-image').nth(1).waitFor();
        assert.equal(await staff.getByTestId('kyc-doc-image').count(), 2);
        await shot(staff, 'kyc-review');
        await staff.getByTestId('kyc-approve').click();
        await staff.getByText('没有待审核的资料').waitFor();
      });

      await page.reload();
      await page.getByTestId('identity-status').getByText('已通过实名认证').waitFor();
      await shot(page, 'verify-approved');

      // Verified but not certified: still refused, now for the certificate.
      const untrained = await apiFromPage(page, 'POST', `/api/v1/orders/${orderId}/take`);
      assert.equal(untrained.status, 403);
      assert.equal(untrained.json.code, 'TRAINING_CERTIFICATE_REQUIRED');

      // Training path: the entry stage is open, the advanced stage is locked and says why.
      await page.goto('/');
      await page.getByText('培训与证书', { exact: true }).first().click();
      await page.getByTestId('training-not-certified').waitFor();
      assert.match(await page.getByTestId('stage-locked-advanced').innerText(), /需完成 20 单.*需在平台满 30 天/);
      await shot(page, 'training-path');

      // The course: lessons, then the timed exam answered correctly.
      await page.getByTestId('stage-open-entry').click();
      await page.getByText('平台规则与岗位职责').click();
      await page.getByText('你的职责').waitFor();
      await shot(page, 'lesson');
      await page.getByTestId('exam-start').click();
      const n = await answerPaper(page, key, true);
      assert.equal(n, 10);
      assert.match(await page.getByTestId('exam-countdown').innerText(), /剩余 (19|20):\d\d/);
      await shot(page, 'exam');
      await page.getByTestId('exam-submit').click();
      const result = page.getByTestId('exam-result');
      await result.getByText('考试通过，得分 100').waitFor();
      await result.getByText('金牌').first().waitFor();
      await shot(page, 'exam-passed');

      // My certificates: number, level, validity and a QR code.
      await page.getByText('返回培训').click();
      await page.getByTestId('training-certified').waitFor();
      const cert = page.getByTestId('certificate').first();
      const number = (await cert.getByTestId('certificate-number').innerText()).trim();
      assert.match(number, /^DBC\d{8}-[A-Z0-9]{6}$/);
      assert.equal(await cert.locator('canvas').count(), 1, 'the QR code is drawn');
      await shot(page, 'certificate');

      // Verified and certified: the courier takes the shift (through the API; the orders pages are another engineer's).
      const take = await apiFromPage(page, 'POST', `/api/v1/orders/${orderId}/take`);
      assert.equal(take.status, 200, JSON.stringify(take.json));
      assert.equal(take.json.status, 'taken');

      // The QR code's page is public: anyone can check the certificate without logging in.
      await journey('onboarding-public-certificate', phone, async (visitor) => {
        await visitor.goto(`/certificates/${number}`);
        const card = visitor.getByTestId('cert-public');
        await card.getByText('证书真实有效').waitFor();
        assert.match(await card.innerText(), /陈\*/);
        assert.doesNotMatch(await card.innerText(), /陈七/);
        await shot(visitor, 'certificate-public');
        await visitor.goto('/certificates/DBC20200101-XXXXXX');
        await visitor.getByTestId('cert-public-error').waitFor();
      });
    } catch (err) {
      mkdirSync(artifacts, { recursive: true });
      for (const p of ctx.pages())
        await p.screenshot({ path: `${artifacts}onboarding-courier.png`, fullPage: true }).catch(() => undefined);
      writeFileSync(`${artifacts}onboarding-courier.log`, server.output());
      throw err;
    } finally {
      await ctx.close();
    }
  });

  it('S5.2b S5.4a: a courier auto-verified by the provider who fails the entry exam cannot take an order and is told why', async () => {
    const key = answerKey();
    const phoneNo = newPhone();
    await registerByApi(phoneNo);
    await journey('onboarding-fail', phone, async (page) => {
      await loginUi(page, phoneNo, PASSWORD);
      await page.goto('/me/verification');
      await submitPersonVerification(page, '李四', '44030419900307123X'); // the provider's dataset: match → approved at once
      await page.getByTestId('identity-status').getByText('已通过实名认证').waitFor();
      await page.getByText('自动核验').waitFor();

      await page.goto('/training');
      await page.getByTestId('stage-open-entry').click();
      await page.getByTestId('exam-start').click();
      await answerPaper(page, key, false);
      await page.getByTestId('exam-submit').click();
      const result = page.getByTestId('exam-result');
      await result.getByText('未通过，得分 0').waitFor();
      await result.getByText('通过前不能接单', { exact: false }).waitFor();
      await shot(page, 'exam-failed');

      await page.goto('/training');
      assert.match(await page.getByTestId('training-not-certified').innerText(), /通过岗前培训考试后才能接单/);
      const take = await apiFromPage(page, 'POST', `/api/v1/orders/${orderId}/take`);
      assert.equal(take.status, 403);
      assert.equal(take.json.code, 'TRAINING_CERTIFICATE_REQUIRED');
      assert.match(String(take.json.detail), /岗前培训/);

      // The Me page leads to verification and training too.
      await page.goto('/me');
      await page.getByTestId('me-verification-link').waitFor();
      await page.getByTestId('me-training-link').click();
      await page.getByTestId('training-not-certified').waitFor();
    });
  });

  it('S5.2a: an enterprise verifies with its business license and legal representative; a trainer opens the course editors', async () => {
    await journey('onboarding-enterprise', phone, async (page) => {
      await loginUi(page, '13800000003', DEMO_PASSWORD);
      await page.goto('/me/verification');
      await page.getByTestId('company-name').fill('北京速达快递驿站有限公司');
      await page.getByTestId('credit-code').fill('91110000100000001W');
      await page.getByTestId('upload-license').setInputFiles({ name: 'license.png', mimeType: 'image/png', buffer: PNG });
      await page.locator('[data-testid=upload-license-progress][data-done=true]').waitFor();
      await submitPersonVerification(page, '张三', '11010519491231002X');
      await page.getByTestId('identity-status').getByText('已通过实名认证').waitFor();
      assert.match(await page.getByTestId('identity-status').innerText(), /北京速达快递驿站有限公司/);
      await shot(page, 'enterprise-verified');
    });
    await journey('onboarding-trainer', desktop, async (page) => {
      await loginUi(page, 'trainer@demo.dingban.local', DEMO_PASSWORD, 'DINGBANDEMOTOTPSECRETAAAAAAAAAAA');
      await page.getByRole('menuitem', { name: '培训管理' }).click();
      await page.getByText('岗前培训：驿站值守与末端派送基础').click();
      await page.getByRole('tab', { name: '题库' }).click();
      await page.locator('.ant-table-row', { hasText: '停用' }).first().waitFor(); // a question row (with its retire action)
      await shot(page, 'trainer-questions');
      // Lessons can be edited, moved and deleted; the refresher course is marked as such.
      await page.getByRole('tab', { name: '课时' }).click();
      await page.getByTestId('lesson-edit-2').click();
      assert.match(await page.getByText('编辑课时 ·').innerText(), /驿站值守：入库、上架、出库/);
      await page.getByTestId('lesson-up-2').waitFor();
      await page.locator('.ant-table-row', { hasText: '复训：守约、到岗与服务规范' }).getByText('复训课程').waitFor();
      await shot(page, 'trainer-lessons');
      // Stages carry their active switch; the standing rules (minimum score, cool-down) are edited here too.
      await page.getByRole('tab', { name: '培训阶段' }).click();
      await page.getByTestId('stage-active-advanced').waitFor();
      await page.getByTestId('stage-edit-advanced').click();
      assert.equal(await page.getByTestId('stage-active').getAttribute('aria-checked'), 'true');
      await shot(page, 'trainer-stage');
      await page.getByRole('button', { name: /取\s*消/ }).click();
      await page.getByTestId('tab-rules').click();
      await page.waitForFunction(
        () => (document.querySelector('[data-testid=rules-min-score]') as HTMLInputElement | null)?.value === '60',
      );
      assert.equal(await page.getByTestId('rules-cooldown').inputValue(), '30');
      await page.getByTestId('rules-save').click();
      await page.getByTestId('rules-updated').waitFor();
      await shot(page, 'trainer-rules');
    });
  });
  it('S5.4: a courier restricted after three no-shows sees why, opens the refresher from the banner, passes it, and may take orders again', async () => {
    const entryKey = answerKey();
    const refresherKey = answerKey('0053_training_refresher_progress.sql', '0193a000-0000-7000-8000-000000000003', 8);
    const [a, b, c, later] = await postShiftsAsDemoOwner([3, 4, 5, 12], '菜鸟驿站（酒仙桥店）');
    const phoneNo = newPhone();
    await registerByApi(phoneNo);
    await journey('onboarding-refresher', phone, async (page) => {
      await loginUi(page, phoneNo, PASSWORD);
      await page.goto('/me/verification');
      await submitPersonVerification(page, '王五', '310101198805124563'); // the provider's dataset: approved at once
      await page.getByTestId('identity-status').getByText('已通过实名认证').waitFor();
      await page.goto('/training');
      await page.getByTestId('stage-open-entry').click();
      await page.getByTestId('exam-start').click();
      await answerPaper(page, entryKey, true);
      await page.getByTestId('exam-submit').click();
      await page.getByTestId('exam-result').getByText('考试通过，得分 100').waitFor();

      // Three shifts taken and confirmed, then not shown up for: the orders sweep records three no-shows (−60).
      for (const id of [a, b, c]) {
        const take = await apiFromPage(page, 'POST', `/api/v1/orders/${id}/take`);
        assert.equal(take.status, 200, JSON.stringify(take.json));
        assert.equal((await apiFromPage(page, 'POST', `/api/v1/orders/${id}/confirm-attendance`)).status, 200);
      }
      const dev = (path: string, body: unknown) =>
        fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const moved = await dev('/api/v1/dev/clock', { advanceMs: Math.round(6.5 * 86_400_000) });
      assert.ok(moved.ok, await moved.clone().text());
      const swept = await dev('/api/v1/dev/jobs/run', { jobs: ['orders.sweep'] });
      assert.ok(swept.ok, await swept.clone().text());

      // Days later the session has lapsed; the courier logs in again and is told why orders are paused.
      await loginUi(page, phoneNo, PASSWORD);
      await page.goto('/training');
      const banner = page.getByTestId('training-restricted');
      await banner.waitFor();
      assert.match(await banner.innerText(), /信用分 40，低于 60 分，暂停接单/);
      await shot(page, 'training-restricted');
      const refused = await apiFromPage(page, 'POST', `/api/v1/orders/${later}/take`);
      assert.equal(refused.status, 403);
      assert.equal(refused.json.code, 'TRAINING_REFRESHER_REQUIRED');
      assert.match(String(refused.json.detail), /复训/);

      // The way back: the refresher course from the banner, a lesson marked read, the exam passed.
      await page.getByTestId('training-to-refresher').click();
      await page.getByTestId('lesson-1').click();
      // The lesson's "read" answer is awaited (a full CI run once saw no progress at all: a click lost while the
      // panel opened); if none comes the button is pressed once more.
      const marked = (timeout: number) =>
        page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v1\/training\/lessons\/[^/]+\/complete$/.test(r.url()), {
          timeout,
        });
      const first = marked(10_000);
      await page.getByTestId('lesson-read-1').click();
      let answer = await first.catch(() => undefined);
      if (!answer) [answer] = await Promise.all([marked(30_000), page.getByTestId('lesson-read-1').click()]);
      assert.equal(answer.status(), 200, await answer.text());
      await page.getByTestId('course-progress').getByText('已学 1/2 课时').waitFor();
      await page.getByTestId('exam-start').click();
      await answerPaper(page, refresherKey, true);
      await page.getByTestId('exam-submit').click();
      await page.getByTestId('standing-restored').waitFor();
      await shot(page, 'refresher-passed');

      await page.goto('/training');
      await page.getByTestId('training-certified').waitFor();
      assert.equal(await page.getByTestId('training-restricted').count(), 0);
      const take = await apiFromPage(page, 'POST', `/api/v1/orders/${later}/take`);
      assert.equal(take.status, 200, JSON.stringify(take.json));
    });
  });
});
