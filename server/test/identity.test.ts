import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from './helpers.ts';
import { modules } from '../src/modules/index.ts';
import { isVerified, requireVerified, sweepIdentityExpiry } from '../src/modules/identity/index.ts';
import { creditCodeProblem, idNumberProblem, maskIdentifier, maskName } from '../src/modules/identity/checksums.ts';
import { fakeUser, jpegBytes, multipart, pdfBytes, pngBytes, testActorModule, type TestUser } from './test-actor.ts';
import { AppError } from '../src/platform/errors.ts';

const DAY = 86_400_000;

describe('identity: real-name verification', () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingban-identity-'));
    t = await createTestApp({
      env: { DATA_DIR: dataDir, WEB_DIST: join(dataDir, 'no-web'), MAX_EVENT_LOOP_DELAY_MS: '0' },
      modules: [...modules, testActorModule],
      now: '2026-11-23T02:00:00Z',
    });
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = async (u: TestUser, purpose: string, bytes: Buffer = jpegBytes(purpose)) => {
    const mp = multipart(bytes);
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/identity/files?purpose=${purpose}`,
      payload: mp.payload,
      headers: { ...u.headers, ...mp.headers },
    });
  };
  const idPhotos = async (u: TestUser) => {
    const front = await upload(u, 'id_front');
    const back = await upload(u, 'id_back');
    assert.equal(front.statusCode, 201, front.body);
    return { idFrontFileId: front.json().id as string, idBackFileId: back.json().id as string };
  };
  const submitPerson = async (u: TestUser, body: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/person',
      headers: u.headers,
      payload: { ...(await idPhotos(u)), ...body },
    });
  const submitEnterprise = async (u: TestUser, body: Record<string, unknown>) => {
    const photos = await idPhotos(u);
    const license = await upload(u, 'business_license', pdfBytes());
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/enterprise',
      headers: u.headers,
      payload: {
        licenseFileId: license.json().id,
        legalRepIdFrontFileId: photos.idFrontFileId,
        legalRepIdBackFileId: photos.idBackFileId,
        legalRepName: '张三',
        legalRepIdNumber: '11010519491231002X',
        ...body,
      },
    });
  };
  const reviewer = () => fakeUser('staff', ['kyc:review']);
  const notificationsFor = async (userId: string) =>
    (await t.p.db.selectFrom('outbox_events').select(['type', 'payload']).where('type', '=', 'messages.notification.requested').execute())
      .map((e) => e.payload as { userId: string; title: { zh: string }; params?: Record<string, string> })
      .filter((n) => n.userId === userId);

  it('S5.2b: ID numbers are checked with the GB 11643 check digit and a real birth date', () => {
    const today = new Date('2026-11-23T00:00:00Z');
    assert.equal(idNumberProblem('11010519491231002X', today), null);
    assert.equal(idNumberProblem('11010519491231002x'.toUpperCase(), today), null);
    assert.equal(idNumberProblem('110105194912310021', today), 'checksum');
    assert.equal(idNumberProblem('110105194902300028', today), 'birthdate'); // 30 February
    assert.equal(idNumberProblem('110105203001010011', today), 'birthdate'); // born in the future
    assert.equal(idNumberProblem('990105194912310021', today), 'region');
    assert.equal(idNumberProblem('1101051949123100', today), 'format');
    assert.equal(maskIdentifier('11010519491231002X'), '110***********002X');
    assert.equal(maskName('欧阳娜娜'), '欧***');
  });

  it('S5.2a: unified social credit codes are checked with the GB 32100 check character', () => {
    assert.equal(creditCodeProblem('91110108MA01ABCDEN'), null);
    assert.equal(creditCodeProblem('91110108MA01ABCDE1'), 'checksum');
    assert.equal(creditCodeProblem('91110108MA01ABCDIN'), 'format'); // I is not in the alphabet
    assert.equal(creditCodeProblem('9111010'), 'format');
  });

  it('S5.2b: a person whose name and ID number the provider confirms is verified at once, with masked data and a notification', async () => {
    const u = fakeUser('person');
    assert.equal(await isVerified(t.p, u.userId), false);
    await assert.rejects(requireVerified(t.p, u.userId), (e: AppError) => e.code === 'IDENTITY_NOT_VERIFIED');
    const r = await submitPerson(u, { name: '张三', idNumber: '11010519491231002X', idValidUntil: '2036-05-01' });
    assert.equal(r.statusCode, 201, r.body);
    const v = r.json();
    assert.equal(v.status, 'approved');
    assert.equal(v.decidedBy, 'auto');
    assert.equal(v.idNumber, '110***********002X');
    assert.equal(v.personName, '张*');
    assert.equal(v.idValidUntil, '2036-05-01');
    assert.ok(!r.body.includes('11010519491231002X') && !r.body.includes('张三'));
    assert.equal(await isVerified(t.p, u.userId), true);
    await requireVerified(t.p, u.userId);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/identity/me', headers: u.headers });
    assert.equal(me.json().verified, true);
    assert.equal(me.json().current.idNumber, '110***********002X');
    const notes = await notificationsFor(u.userId);
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.title.zh, '实名认证已通过');
  });

  it('S5.2b: invalid ID numbers are refused with a reason', async () => {
    const u = fakeUser('person');
    const bad = await submitPerson(u, { name: '李雷', idNumber: '110105194912310021' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'IDENTITY_ID_NUMBER_INVALID');
    const expired = await submitPerson(u, { name: '李雷', idNumber: '320502199201013218', idValidUntil: '2026-11-01' });
    assert.equal(expired.json().code, 'IDENTITY_DOCUMENT_EXPIRED');
  });

  it('S7.2a: names, ID numbers and document images are encrypted at rest and never stored in plaintext', async () => {
    const u = fakeUser('person');
    const marker = 'PLAINTEXT-MARKER-证件';
    const front = await upload(u, 'id_front', Buffer.concat([jpegBytes(), Buffer.from(marker)]));
    const back = await upload(u, 'id_back');
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/person',
      headers: u.headers,
      payload: { name: '李四', idNumber: '44030419900307123X', idFrontFileId: front.json().id, idBackFileId: back.json().id },
    });
    assert.equal(r.json().status, 'approved');
    const raw = await t.p.db.selectFrom('identity_verifications').selectAll().where('user_id', '=', u.userId).executeTakeFirstOrThrow();
    const dump = JSON.stringify(raw);
    assert.ok(!dump.includes('44030419900307123X') && !dump.includes('李四'));
    assert.match(raw.id_number_enc ?? '', /^v1\./);
    // The document bytes on disk are ciphertext, under a server-generated name, outside any web root.
    const dir = join(dataDir, 'files', 'identity');
    const files = readdirSync(dir);
    assert.ok(files.includes(`${front.json().id}.enc`));
    for (const f of files) assert.ok(!readFileSync(join(dir, f)).includes(Buffer.from(marker)));
  });

  it('S5.2b: one ID number cannot verify two accounts', async () => {
    const other = fakeUser('person');
    const r = await submitPerson(other, { name: '张三', idNumber: '11010519491231002X' });
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().code, 'IDENTITY_ID_NUMBER_IN_USE');
    assert.equal(await isVerified(t.p, other.userId), false);
  });

  it('S5.2b: two accounts racing to verify one ID number: exactly one wins', async () => {
    const a = fakeUser('person');
    const b = fakeUser('person');
    const [pa, pb] = [await idPhotos(a), await idPhotos(b)];
    const body = { name: '孙七', idNumber: '110101200002291117' };
    const results = await Promise.all([
      t.app.inject({ method: 'POST', url: '/api/v1/identity/verifications/person', headers: a.headers, payload: { ...body, ...pa } }),
      t.app.inject({ method: 'POST', url: '/api/v1/identity/verifications/person', headers: b.headers, payload: { ...body, ...pb } }),
    ]);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409]);
    const claims = await t.p.db.selectFrom('identity_claims').select('user_id').where('user_id', 'in', [a.userId, b.userId]).execute();
    assert.equal(claims.length, 1);
  });

  it('S5.2b: uploads are checked by content and size, whatever the client claims', async () => {
    const u = fakeUser('person');
    const fake = multipart(Buffer.from('<html><script>alert(1)</script></html>'), 'photo.jpg', 'image/jpeg');
    const r1 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/files?purpose=id_front',
      payload: fake.payload,
      headers: { ...u.headers, ...fake.headers },
    });
    assert.equal(r1.statusCode, 415);
    assert.equal(r1.json().code, 'IDENTITY_FILE_TYPE');
    const big = multipart(Buffer.concat([jpegBytes(), Buffer.alloc(5 * 1024 * 1024)]));
    const r2 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/files?purpose=id_front',
      payload: big.payload,
      headers: { ...u.headers, ...big.headers },
    });
    assert.equal(r2.statusCode, 413);
    const png = await upload(u, 'business_license', pngBytes());
    assert.equal(png.json().mime, 'image/png');
    const pdf = await upload(u, 'business_license', pdfBytes());
    assert.equal(pdf.json().mime, 'application/pdf');
    const notMultipart = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/files?purpose=id_front',
      payload: { file: 'x' },
      headers: u.headers,
    });
    assert.equal(notMultipart.statusCode, 400);
    const anon = await t.app.inject({ method: 'POST', url: '/api/v1/identity/files?purpose=id_front', ...multipart(jpegBytes()) });
    assert.equal(anon.statusCode, 401);
  });

  it('S5.2b: what the provider cannot confirm waits for a reviewer, who rejects it with a reason the user sees', async () => {
    const u = fakeUser('person');
    const r = await submitPerson(u, { name: '韩梅梅', idNumber: '320502199201013218' });
    assert.equal(r.json().status, 'pending');
    const id = r.json().id as string;
    const nobody = await t.app.inject({
      method: 'GET',
      url: '/api/v1/identity/reviews',
      headers: fakeUser('staff', ['orders:read']).headers,
    });
    assert.equal(nobody.statusCode, 403);
    const self = await t.app.inject({ method: 'POST', url: `/api/v1/identity/reviews/${id}/approve`, headers: u.headers });
    assert.equal(self.statusCode, 403);
    const rev = reviewer();
    const queue = await t.app.inject({ method: 'GET', url: '/api/v1/identity/reviews', headers: rev.headers });
    assert.ok(queue.json().items.some((v: { id: string; idNumber: string }) => v.id === id && v.idNumber === '320***********3218'));
    const rej = await t.app.inject({
      method: 'POST',
      url: `/api/v1/identity/reviews/${id}/reject`,
      headers: rev.headers,
      payload: { reason: '身份证照片模糊，请重新拍摄' },
    });
    assert.equal(rej.statusCode, 200);
    assert.equal(rej.json().status, 'rejected');
    const again = await t.app.inject({ method: 'POST', url: `/api/v1/identity/reviews/${id}/approve`, headers: rev.headers });
    assert.equal(again.json().code, 'IDENTITY_NOT_PENDING');
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/identity/me', headers: u.headers });
    assert.equal(me.json().verified, false);
    assert.equal(me.json().current.rejectReason, '身份证照片模糊，请重新拍摄');
    const detail = await t.app.inject({ method: 'GET', url: `/api/v1/identity/reviews/${id}`, headers: rev.headers });
    assert.deepEqual(
      detail.json().audit.map((a: { action: string }) => a.action),
      ['submitted', 'rejected'],
    );
    assert.equal(detail.json().audit[1].actorId, rev.userId);
    const notes = await notificationsFor(u.userId);
    assert.equal(notes.at(-1)!.title.zh, '实名认证未通过');
    assert.equal(notes.at(-1)!.params!.reason, '身份证照片模糊，请重新拍摄');
  });

  it('S5.2b: a name that does not match the ID number is rejected automatically', async () => {
    const u = fakeUser('person');
    const r = await submitPerson(u, { name: '赵七', idNumber: '510107199508157895' });
    assert.equal(r.json().status, 'rejected');
    assert.match(r.json().rejectReason, /不一致/);
  });

  it('S5.2b: documents are never public — owner and reviewers only, and every staff view is audited', async () => {
    const u = fakeUser('person');
    const { idFrontFileId } = await idPhotos(u);
    const url = `/api/v1/identity/files/${idFrontFileId}/content`;
    assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url, headers: fakeUser('person').headers })).statusCode, 404);
    const rev = reviewer();
    const view = await t.app.inject({ method: 'GET', url, headers: rev.headers });
    assert.equal(view.statusCode, 200);
    assert.equal(view.headers['content-type'], 'image/jpeg');
    assert.equal(view.headers['cache-control'], 'no-store, private');
    assert.deepEqual(view.rawPayload, jpegBytes('id_front'));
    const audit = await t.p.db.selectFrom('identity_audit').selectAll().where('file_id', '=', idFrontFileId).execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_id, rev.userId);
    assert.equal(audit[0]!.action, 'file_viewed');
    // The audit trail is append-only.
    await assert.rejects(t.p.db.deleteFrom('identity_audit').where('file_id', '=', idFrontFileId).execute(), /append-only/);
  });

  it("S5.2b: a user cannot submit someone else's uploads", async () => {
    const a = fakeUser('person');
    const b = fakeUser('person');
    const photos = await idPhotos(a);
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/person',
      headers: b.headers,
      payload: { name: '王五', idNumber: '310101198805124563', ...photos },
    });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, 'IDENTITY_FILE_INVALID');
  });

  it('S5.2a: an enterprise in operation is verified with its license and legal representative; others are refused', async () => {
    const e = fakeUser('enterprise');
    const ok = await submitEnterprise(e, {
      companyName: '北京顶班科技有限公司',
      creditCode: '91110108MA01ABCDEN',
      licenseValidUntil: '2040-01-01',
    });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().status, 'approved');
    assert.equal(ok.json().kind, 'enterprise');
    assert.equal(ok.json().creditCode, '911***********CDEN');
    assert.equal(ok.json().personName, '张*');
    assert.equal(await isVerified(t.p, e.userId), true);

    const revoked = await submitEnterprise(fakeUser('enterprise'), {
      companyName: '上海快递驿站服务有限公司',
      creditCode: '91310115MA1K3YTQ2M',
    });
    assert.equal(revoked.json().status, 'rejected');
    assert.match(revoked.json().rejectReason, /吊销/);

    const badCode = await submitEnterprise(fakeUser('enterprise'), { companyName: '某某公司', creditCode: '91110108MA01ABCDE1' });
    assert.equal(badCode.json().code, 'IDENTITY_CREDIT_CODE_INVALID');

    const dup = await submitEnterprise(fakeUser('enterprise'), { companyName: '北京顶班科技有限公司', creditCode: '91110108MA01ABCDEN' });
    assert.equal(dup.json().code, 'IDENTITY_ID_NUMBER_IN_USE');

    const person = await submitEnterprise(fakeUser('person'), { companyName: '北京顶班科技有限公司', creditCode: '91110108MA01ABCDEN' });
    assert.equal(person.statusCode, 403);
    assert.equal(person.json().code, 'IDENTITY_WRONG_KIND');
  });

  it('S5.2c: resubmitted data goes through review while the old record is kept, then replaces it', async () => {
    const e = fakeUser('enterprise');
    const first = await submitEnterprise(e, {
      companyName: '北京速达快递驿站有限公司',
      creditCode: '91110000100000001W',
      licenseValidUntil: '2027-01-31',
    });
    assert.equal(first.json().status, 'approved');
    // A renewed license and a new legal representative the provider cannot confirm: manual review, still verified meanwhile.
    const renewed = await submitEnterprise(e, {
      companyName: '北京速达快递驿站有限公司',
      creditCode: '91110000100000001W',
      licenseValidUntil: '2035-01-31',
      legalRepName: '李雷',
      legalRepIdNumber: '320502199201013218',
    });
    assert.equal(renewed.json().status, 'pending');
    assert.equal(await isVerified(t.p, e.userId), true);
    const rev = reviewer();
    const ok = await t.app.inject({ method: 'POST', url: `/api/v1/identity/reviews/${renewed.json().id}/approve`, headers: rev.headers });
    assert.equal(ok.json().status, 'approved');
    const me = (await t.app.inject({ method: 'GET', url: '/api/v1/identity/me', headers: e.headers })).json();
    assert.equal(me.verified, true);
    assert.deepEqual(
      me.history.map((v: { status: string; licenseValidUntil: string }) => [v.status, v.licenseValidUntil]),
      [
        ['approved', '2035-01-31'],
        ['superseded', '2027-01-31'],
      ],
    );
  });

  it('S5.2c: documents about to expire warn 30 days ahead; expired ones suspend what depends on verification', async () => {
    const u = fakeUser('person');
    const r = await submitPerson(u, { name: '王五', idNumber: '310101198805124563', idValidUntil: '2027-01-31' });
    assert.equal(r.json().status, 'approved');
    // 31 days ahead: nothing yet; 30 days ahead: one warning, once.
    t.clock.set('2027-01-01T02:00:00Z');
    assert.equal((await notificationsFor(u.userId)).length, 1);
    await sweepIdentityExpiry(t.p);
    assert.equal((await notificationsFor(u.userId)).length, 1);
    t.clock.set('2027-01-02T02:00:00Z');
    const first = await sweepIdentityExpiry(t.p);
    assert.ok(first.warned >= 1);
    await sweepIdentityExpiry(t.p);
    const warnings = (await notificationsFor(u.userId)).filter((n) => n.title.zh === '实名认证证件即将到期');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.params!.date, '2027-01-31');
    // Still valid through 31 January (China time) …
    t.clock.set('2027-01-31T15:59:00Z');
    assert.equal(await isVerified(t.p, u.userId), true);
    // … and suspended from 1 February, even before the daily sweep runs.
    t.clock.advance(2 * 60_000);
    await assert.rejects(requireVerified(t.p, u.userId), (e: AppError) => e.code === 'IDENTITY_VERIFICATION_EXPIRED');
    const swept = await sweepIdentityExpiry(t.p);
    assert.ok(swept.expired >= 1);
    const me = (await t.app.inject({ method: 'GET', url: '/api/v1/identity/me', headers: u.headers })).json();
    assert.equal(me.verified, false);
    assert.equal(me.reason, 'expired');
    assert.equal(me.current.status, 'expired');
    assert.ok((await notificationsFor(u.userId)).some((n) => n.title.zh === '实名认证证件已过期'));
    t.clock.advance(-70 * DAY);
  });
});
