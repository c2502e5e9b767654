import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { createTestApp, type TestApp } from './helpers.ts';
import { createStaff, loginUser, registerUser, TEST_ENV, type TestStaff, type TestUser } from './factories.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import {
  createWalletModule,
  creditTopUp,
  generateMonthlyStatements,
  holdToEscrow,
  releaseEscrow,
  verifyLedger,
} from '../src/modules/wallet/index.ts';
import { newId } from '../src/platform/ids.ts';

/** Bills (monthly and daily statements, CSV/XLSX) and appeals against a bill line (S5.9c). */
describe('wallet statements and appeals', () => {
  // 10:00 China time on 15 October 2026.
  const BASE = Date.parse('2026-10-15T02:00:00Z');
  let t: TestApp;
  let owner: TestUser;
  let courier: TestUser;
  let stranger: TestUser;
  let finance: TestStaff;
  let support: TestStaff;

  before(async () => {
    t = await createTestApp({ env: TEST_ENV, now: new Date(BASE), modules: [accountsModule, messagesModule, createWalletModule()] });
    owner = await registerUser(t);
    courier = await registerUser(t);
    stranger = await registerUser(t);
    const orderId = newId();
    await t.p.db.transaction().execute(async (tx) => {
      await creditTopUp(t.p, tx, { userId: owner.userId, channel: 'wechat', channelTradeNo: 'TUBILL0001', amountFen: 10_000 });
    });
    t.clock.advance(60_000);
    await t.p.db.transaction().execute(async (tx) => {
      await holdToEscrow(t.p, tx, { orderId, payerId: owner.userId, amountFen: 6_000 });
    });
    t.clock.advance(60_000);
    await t.p.db.transaction().execute(async (tx) => {
      await releaseEscrow(t.p, tx, { orderId, courierId: courier.userId, feeFen: 600 });
    });
    // To 1 November, 12:00 China time: October is over.
    t.clock.advance(Date.parse('2026-11-01T04:00:00Z') - t.clock.now().getTime());
    owner = await loginUser(t, owner.identifier, owner.password);
    courier = await loginUser(t, courier.identifier, courier.password);
    stranger = await loginUser(t, stranger.identifier, stranger.password);
    finance = await createStaff(t, ['finance']);
    support = await createStaff(t, ['support']);
  });
  after(async () => {
    await t.close();
  });

  const get = (u: TestUser, url: string) => t.app.inject({ method: 'GET', url, headers: u.headers });
  const post = (u: TestUser, url: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url, headers: u.headers, payload });
  const balance = async (u: TestUser) => (await get(u, '/api/v1/wallet')).json().availableFen as number;

  it('S5.9c: the monthly statement is generated automatically: opening, every movement, fees, closing', async () => {
    assert.ok((await generateMonthlyStatements(t.p)) >= 2);
    await generateMonthlyStatements(t.p); // once per wallet and month
    const mine = (await get(owner, '/api/v1/wallet/statements?type=monthly')).json().items;
    assert.equal(mine.length, 1);
    assert.deepEqual(
      [mine[0].period, mine[0].openingFen, mine[0].inFen, mine[0].outFen, mine[0].feesFen, mine[0].closingFen, mine[0].lineCount],
      ['2026-10', 0, 10_000, 6_000, 0, 4_000, 2],
    );
    const c = (await get(courier, '/api/v1/wallet/statements?from=2026-10&to=2026-10')).json().items;
    assert.deepEqual([c[0].inFen, c[0].feesFen, c[0].closingFen], [5_400, 600, 5_400]);
    const detail = (await get(owner, `/api/v1/wallet/statements/${mine[0].id}`)).json();
    assert.deepEqual(
      detail.lines.map((l: { kind: string; amountFen: number; balanceAfterFen: number }) => [l.kind, l.amountFen, l.balanceAfterFen]),
      [
        ['topup', 10_000, 10_000],
        ['escrow_hold', -6_000, 4_000],
      ],
    );
    // Another user's statement does not exist for them.
    assert.equal((await get(stranger, `/api/v1/wallet/statements/${mine[0].id}`)).statusCode, 404);
    assert.equal((await get(stranger, `/api/v1/wallet/statements/${mine[0].id}/download?format=csv`)).statusCode, 404);
    assert.equal((await get(stranger, '/api/v1/wallet/statements')).json().items.length, 0);
  });

  it('S5.9c: a daily statement on request; downloads as CSV with a UTF-8 BOM and as XLSX with Chinese text', async () => {
    const day = await post(owner, '/api/v1/wallet/statements', { type: 'daily', period: '2026-10-15' });
    assert.equal(day.statusCode, 201, day.body);
    assert.deepEqual([day.json().inFen, day.json().outFen, day.json().closingFen], [10_000, 6_000, 4_000]);
    assert.equal((await post(owner, '/api/v1/wallet/statements', { type: 'daily', period: '2026-10-15' })).json().id, day.json().id);
    assert.equal((await post(owner, '/api/v1/wallet/statements', { type: 'daily', period: '2026-11-01' })).statusCode, 409);
    assert.equal((await post(owner, '/api/v1/wallet/statements', { type: 'monthly', period: '2026-13' })).statusCode, 400);
    assert.equal((await get(owner, '/api/v1/wallet/statements?type=daily')).json().items.length, 1);

    const csv = await get(owner, `/api/v1/wallet/statements/${day.json().id}/download?format=csv`);
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    assert.deepEqual([...csv.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = csv.rawPayload.toString('utf8');
    assert.match(text, /顶班钱包日账单 2026-10-15/);
    assert.match(text, /期末余额,40\.00/);
    assert.match(text, /充值到账,100\.00/);

    const xlsx = await get(owner, `/api/v1/wallet/statements/${day.json().id}/download?format=xlsx`);
    assert.equal(xlsx.statusCode, 200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('账单')!;
    assert.equal(ws.getCell('A1').value, '顶班钱包日账单 2026-10-15');
    assert.equal(ws.getCell('A6').value, '期末余额');
    assert.equal(ws.getCell('B6').value, 40);
  });

  it('S5.9c: the statement as PDF with correct Chinese text: embedded font subsets with ToUnicode maps; extracts and renders', async () => {
    const day = (await post(owner, '/api/v1/wallet/statements', { type: 'daily', period: '2026-10-15' })).json();
    const r = await get(owner, `/api/v1/wallet/statements/${day.id}/download?format=pdf`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'application/pdf');
    assert.match(String(r.headers['content-disposition']), /dingban-statement-2026-10-15\.pdf/);
    const pdf = r.rawPayload;
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.match(pdf.subarray(-8).toString('latin1'), /%%EOF/);
    assert.ok(pdf.length < 200_000, `subset embedding keeps the file small (${pdf.length} bytes)`);
    const raw = pdf.toString('latin1');
    // Every font is an embedded TrueType subset (ABCDEF+Name) with a ToUnicode map.
    // (a Type0 font and its CIDFont descendant both name the subset)
    const fonts = [...new Set([...raw.matchAll(/\/BaseFont \/([A-Z]{6}\+[^\s/]+)/g)].map((m) => m[1]!))];
    assert.ok(fonts.length >= 2 && fonts.every((f) => f.includes('NotoSansSC')), fonts.join());
    assert.equal([...raw.matchAll(/\/FontFile2 /g)].length, fonts.length);
    assert.equal([...raw.matchAll(/\/ToUnicode /g)].length, fonts.length);
    const streams = [...raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)].map((m) => {
      try {
        return inflateSync(Buffer.from(m[1]!, 'latin1')).toString('latin1');
      } catch {
        return '';
      }
    });
    const cmaps = streams
      .filter((s) => s.includes('begincmap'))
      .join('\n')
      .toLowerCase();
    for (const ch of '顶班钱包日账单期末余额充值到账') assert.ok(cmaps.includes(ch.codePointAt(0)!.toString(16)), `ToUnicode maps ${ch}`);

    // With poppler installed (CI, dev machines): the text extracts, and page 1 renders with ink on it.
    if (spawnSync('pdftotext', ['-v']).error) return;
    const dir = mkdtempSync(join(tmpdir(), 'statement-pdf-'));
    try {
      writeFileSync(join(dir, 's.pdf'), pdf);
      const text = spawnSync('pdftotext', ['-layout', join(dir, 's.pdf'), '-'], { encoding: 'utf8' }).stdout;
      assert.match(text, /顶班钱包日账单 2026-10-15/);
      assert.match(text, /期末余额/);
      assert.match(text, /¥40\.00/);
      assert.match(text, /充值到账/);
      assert.equal(spawnSync('pdftoppm', ['-gray', '-r', '30', '-f', '1', '-l', '1', join(dir, 's.pdf'), join(dir, 'p')]).status, 0);
      const pgm = readFileSync(join(dir, 'p-1.pgm'));
      const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString('latin1'))!;
      const pixels = pgm.subarray(header[0].length);
      const ink = pixels.filter((v) => v < 160).length;
      assert.ok(ink > 300, `page 1 has drawn glyphs (${ink} dark pixels)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('S5.9c, S5.8c: an appeal accepted → adjustment transfer, user notified, ledger invariants hold', async () => {
    const s = (await get(owner, '/api/v1/wallet/statements?type=monthly')).json().items[0];
    const lines = (await get(owner, `/api/v1/wallet/statements/${s.id}`)).json().lines as { id: string; kind: string }[];
    const hold = lines.find((l) => l.kind === 'escrow_hold')!;
    assert.equal((await post(stranger, '/api/v1/wallet/appeals', { lineId: hold.id, reason: '不是我' })).statusCode, 404);
    const filed = await post(owner, '/api/v1/wallet/appeals', {
      lineId: hold.id,
      reason: '订单只做了半天，多扣了 5 元',
      attachmentRef: 'upload:abc',
    });
    assert.equal(filed.statusCode, 201, filed.body);
    assert.equal(filed.json().status, 'open');
    assert.equal((await post(owner, '/api/v1/wallet/appeals', { lineId: hold.id, reason: '再次申诉' })).statusCode, 409);
    const appeal = filed.json();

    const queue = (await get(finance, '/api/v1/wallet/finance/appeals?status=open')).json().items;
    assert.ok(queue.some((a: { id: string }) => a.id === appeal.id));
    assert.equal((await get(owner, '/api/v1/wallet/finance/appeals')).statusCode, 403);
    const decideUrl = `/api/v1/wallet/finance/appeals/${appeal.id}/decide`;
    assert.equal((await post(support, decideUrl, { decision: 'accept', note: 'x', adjustmentFen: 500 })).statusCode, 403);
    assert.equal((await post(finance, decideUrl, { decision: 'accept', note: '核实属实' })).statusCode, 400);

    const before = await balance(owner);
    const ok = await post(finance, decideUrl, { decision: 'accept', note: '核实属实，退还 5 元', adjustmentFen: 500 });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().status, 'accepted');
    assert.ok(ok.json().adjustmentTransferId);
    assert.equal(await balance(owner), before + 500);
    assert.equal((await post(finance, decideUrl, { decision: 'accept', note: '再来', adjustmentFen: 500 })).statusCode, 409);
    assert.equal(await balance(owner), before + 500);
    await t.p.jobs.drain();
    const msgs = (await get(owner, '/api/v1/notifications?category=wallet')).json().items as { title: string; body: string }[];
    assert.ok(msgs.some((m) => m.title === '账单申诉已受理' && /5\.00 元/.test(m.body)));
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9c: an appeal with attachments — JPEG/PNG/PDF evidence uploaded (sniffed, ≤ 2 MB, sealed at rest), named by the appeal, readable by the appellant and finance only; a deadline for finance', async () => {
    const form = async (bytes: Buffer, name: string, type: string) => {
      const f = new FormData();
      f.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
      const r = new Response(f);
      return { payload: Buffer.from(await r.arrayBuffer()), contentType: r.headers.get('content-type')! };
    };
    const upload = async (u: TestUser, bytes: Buffer, name = 'shot.png', type = 'image/png') => {
      const m = await form(bytes, name, type);
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/wallet/appeal-attachments',
        headers: { ...u.headers, 'content-type': m.contentType },
        payload: m.payload,
      });
    };
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('微信支付账单截图')]);
    const pdf = Buffer.from('%PDF-1.4\n支付宝交易记录\n%%EOF');
    const a = await upload(owner, png);
    assert.equal(a.statusCode, 201, a.body);
    assert.deepEqual([a.json().mime, a.json().sizeBytes], ['image/png', png.length]);
    const b = await upload(owner, pdf, 'receipt.png', 'image/png'); // the name and claimed type are ignored
    assert.equal(b.json().mime, 'application/pdf');
    // Not an image or PDF, or too large: refused in the server's words.
    const exe = await upload(owner, Buffer.from('MZ\x90\x00 not a picture'), 'x.png');
    assert.deepEqual([exe.statusCode, exe.json().code], [415, 'APPEAL_ATTACHMENT_INVALID']);
    const big = await upload(owner, Buffer.concat([png, Buffer.alloc(2 * 1024 * 1024)]));
    assert.ok([413, 415].includes(big.statusCode), big.body);
    // Sealed at rest: the stored text is not the file.
    const stored = await t.p.db
      .selectFrom('wallet_appeal_attachments')
      .select('data_enc')
      .where('id', '=', a.json().id)
      .executeTakeFirstOrThrow();
    assert.ok(!stored.data_enc.includes(png.toString('base64')));

    const line = (await get(owner, '/api/v1/wallet/transactions?kind=escrow_hold')).json().items[0] as { id: string };
    // Someone else's upload cannot be named.
    const theirs = await upload(stranger, png);
    const stolen = await post(owner, '/api/v1/wallet/appeals', { lineId: line.id, reason: '证据', attachmentIds: [theirs.json().id] });
    assert.deepEqual([stolen.statusCode, stolen.json().code], [404, 'APPEAL_ATTACHMENT_NOT_FOUND']);
    const filed = await post(owner, '/api/v1/wallet/appeals', {
      lineId: line.id,
      reason: '附上渠道账单截图和交易记录',
      attachmentIds: [a.json().id, b.json().id],
    });
    assert.equal(filed.statusCode, 201, filed.body);
    const appeal = filed.json();
    assert.deepEqual(
      appeal.attachments.map((x: { mime: string }) => x.mime),
      ['image/png', 'application/pdf'],
    );
    // Finance must decide within 7 days; the queue says when, and flags it once late.
    assert.equal(Date.parse(appeal.dueAt) - Date.parse(appeal.createdAt), 7 * 24 * 3600_000);
    assert.equal(appeal.overdue, false);
    // Once named, an attachment cannot be named again.
    const again = await post(owner, '/api/v1/wallet/appeals', { lineId: line.id, reason: 'x', attachmentIds: [a.json().id] });
    assert.equal(again.statusCode, 409); // this line's appeal is open

    const url = (id: string) => `/api/v1/wallet/appeals/${appeal.id}/attachments/${id}`;
    const mine = await get(owner, url(a.json().id));
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.headers['content-type'], 'image/png');
    assert.deepEqual(mine.rawPayload, png);
    const forFinance = await get(finance, url(b.json().id));
    assert.deepEqual([forFinance.statusCode, forFinance.headers['content-type']], [200, 'application/pdf']);
    assert.deepEqual(forFinance.rawPayload, pdf);
    assert.equal((await get(stranger, url(a.json().id))).statusCode, 404);
    assert.equal((await get(support, url(a.json().id))).statusCode, 404);
    const queue = (await get(finance, '/api/v1/wallet/finance/appeals?status=open')).json().items as {
      id: string;
      attachments: unknown[];
    }[];
    assert.equal(queue.find((x) => x.id === appeal.id)?.attachments.length, 2);
    // Seven days later (moved here on the row: the sessions would expire with the clock), it is flagged.
    await t.p.db
      .updateTable('wallet_appeals')
      .set({ due_at: new Date(t.clock.now().getTime() - 60_000) })
      .where('id', '=', appeal.id)
      .execute();
    const late = (await get(finance, '/api/v1/wallet/finance/appeals?status=open')).json().items as { id: string; overdue: boolean }[];
    assert.equal(late.find((x) => x.id === appeal.id)?.overdue, true);
    const decided = await post(finance, `/api/v1/wallet/finance/appeals/${appeal.id}/decide`, {
      decision: 'reject',
      note: '截图与渠道账单一致，无差错',
    });
    assert.equal(decided.statusCode, 200, decided.body);
    assert.equal(decided.json().attachments.length, 2);
  });

  it('S5.9c, S5.8c: an appeal rejected → no money moves, the user is told why', async () => {
    const lines = (await get(owner, '/api/v1/wallet/transactions?kind=topup')).json().items as { id: string }[];
    const filed = await post(owner, '/api/v1/wallet/appeals', { lineId: lines[0]!.id, reason: '充值金额不对' });
    assert.equal(filed.statusCode, 201, filed.body);
    const before = await balance(owner);
    const r = await post(finance, `/api/v1/wallet/finance/appeals/${filed.json().id}/decide`, {
      decision: 'reject',
      note: '渠道账单显示实付 100.00 元，与记录一致',
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().status, 'rejected');
    assert.equal(r.json().adjustmentTransferId, null);
    assert.equal(await balance(owner), before);
    await t.p.jobs.drain();
    const msgs = (await get(owner, '/api/v1/notifications?category=wallet')).json().items as { title: string; body: string }[];
    assert.ok(msgs.some((m) => m.title === '账单申诉未通过' && /与记录一致/.test(m.body)));
    const mine = (await get(owner, '/api/v1/wallet/appeals')).json().items;
    assert.deepEqual(mine.map((a: { status: string }) => a.status).sort(), ['accepted', 'rejected', 'rejected']);
    assert.equal((await get(stranger, '/api/v1/wallet/appeals')).json().items.length, 0);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });
});
