import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createArbitrationProvider, type ArbitrationProvider } from './server.ts';
import { completeCreditCode } from './credit-code.ts';
import { syntheticCompany } from './dataset.ts';

const devKey = readFileSync(new URL('../dev-keys/dingban-dev.key.pem', import.meta.url), 'utf8');

/** A minimal client: signs timestamp, nonce and the exact body bytes it sends. */
async function call(
  url: string,
  body: string,
  o: { appId?: string; key?: KeyObject | string; ts?: number; nonce?: string; tamper?: (b: string) => string } = {},
) {
  const ts = String(o.ts ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomBytes(16).toString('hex');
  const msg = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), Buffer.from(body)]);
  const signature = sign('sha256', msg, o.key ?? devKey).toString('base64');
  const res = await fetch(`${url}/v1/arbitration/query`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-app-id': o.appId ?? 'dingban-dev',
      'x-timestamp': ts,
      'x-nonce': nonce,
      'x-signature': signature,
    },
    body: o.tamper ? o.tamper(body) : body,
  });
  return { status: res.status, date: res.headers.get('date'), json: (await res.json()) as { code: number; message: string; data?: never } };
}

describe('arbitration-provider emulator over HTTP', () => {
  let provider: ArbitrationProvider;
  let url: string;
  const code = completeCreditCode('91310000MA1FL0001');
  before(async () => {
    provider = createArbitrationProvider({ seed: 'test-seed' });
    url = await provider.listen(0);
  });
  after(() => provider.close());

  it('A1: answers a correctly signed query with the company and its cases', async () => {
    const r = await call(url, JSON.stringify({ creditCode: code }));
    assert.equal(r.status, 200);
    assert.equal(r.json.code, 0);
    const data = r.json.data as unknown as { creditCode: string; companyName: string; cases: unknown[]; caseCount: number };
    assert.equal(data.creditCode, code);
    assert.match(data.companyName, /有限公司$/);
    assert.equal(data.caseCount, data.cases.length);
    assert.ok(r.date && Math.abs(new Date(r.date).getTime() - Date.now()) < 5000);
  });

  it('A6: a body changed after signing is rejected with 4001', async () => {
    const r = await call(url, JSON.stringify({ creditCode: code }), { tamper: (b) => b.replace('{', '{ ') });
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 4001);
  });

  it('A6: a timestamp more than 300 s off is rejected with 4001 naming the clock', async () => {
    const r = await call(url, JSON.stringify({ creditCode: code }), { ts: Math.floor(Date.now() / 1000) - 301 });
    assert.equal(r.json.code, 4001);
    assert.match(r.json.message, /timestamp outside ±300 s/);
    const ok = await call(url, JSON.stringify({ creditCode: code }), { ts: Math.floor(Date.now() / 1000) - 290 });
    assert.equal(ok.json.code, 0);
  });

  it('A6: a replayed nonce is rejected with 4001', async () => {
    const nonce = randomBytes(16).toString('hex');
    assert.equal((await call(url, JSON.stringify({ creditCode: code }), { nonce })).json.code, 0);
    const again = await call(url, JSON.stringify({ creditCode: code }), { nonce });
    assert.equal(again.json.code, 4001);
    assert.match(again.json.message, /replay/);
  });

  it('A6: an app without the query permission gets 4003; an unknown app 4001', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const put = await fetch(`${url}/admin/apps/no-perm`, {
      method: 'PUT',
      body: JSON.stringify({ publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }), permissions: [] }),
    });
    assert.equal(put.status, 200);
    const r = await call(url, JSON.stringify({ creditCode: code }), { appId: 'no-perm', key: privateKey });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 4003);
    assert.equal((await call(url, JSON.stringify({ creditCode: code }), { appId: 'nobody', key: privateKey })).json.code, 4001);
  });

  it('A6: a credit code with a wrong check character, or an unknown company, is 6002', async () => {
    const wrong = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    const r = await call(url, JSON.stringify({ creditCode: wrong }));
    assert.equal(r.status, 404);
    assert.equal(r.json.code, 6002);
    await fetch(`${url}/admin/companies/${code}`, { method: 'DELETE' });
    assert.equal(await call(url, JSON.stringify({ creditCode: code })).then((x) => x.json.code), 6002);
    await fetch(`${url}/admin/companies/${code}`, {
      method: 'PUT',
      body: JSON.stringify({ companyName: '测试物流有限公司', cases: [] }),
    });
    const back = await call(url, JSON.stringify({ creditCode: code }));
    assert.equal((back.json.data as unknown as { companyName: string }).companyName, '测试物流有限公司');
  });

  it('A6: fault switches give 5001 on demand, a busy rate, and dropped connections', async () => {
    await fetch(`${url}/admin/faults`, { method: 'PUT', body: JSON.stringify({ failNext: [{ code: 5001, count: 2 }] }) });
    assert.equal((await call(url, JSON.stringify({ creditCode: code }))).json.code, 5001);
    assert.equal((await call(url, JSON.stringify({ creditCode: code }))).json.code, 5001);
    assert.equal((await call(url, JSON.stringify({ creditCode: code }))).json.code, 0);
    provider.setFaults({ busyRate: 1 });
    const busy = await call(url, JSON.stringify({ creditCode: code }));
    assert.equal(busy.status, 503);
    assert.equal(busy.json.code, 5001);
    provider.setFaults({ busyRate: 0, outage: 'reset' });
    await assert.rejects(call(url, JSON.stringify({ creditCode: code })));
    await fetch(`${url}/admin/reset`, { method: 'POST' });
    assert.equal((await call(url, JSON.stringify({ creditCode: code }))).json.code, 0);
    const state = (await (await fetch(`${url}/admin/state`)).json()) as { stats: { requests: number } };
    assert.equal(state.stats.requests, 1);
  });

  it('A6: the Date header follows the provider clock', async () => {
    const p2 = createArbitrationProvider({ now: () => new Date('2030-01-01T00:00:00Z') });
    const u2 = await p2.listen(0);
    try {
      const r = await call(u2, JSON.stringify({ creditCode: code }));
      assert.equal(r.json.code, 4001);
      assert.equal(r.date, 'Tue, 01 Jan 2030 00:00:00 GMT');
    } finally {
      await p2.close();
    }
  });

  it('A1: the synthetic data set is deterministic and realistically distributed', () => {
    const asOf = new Date('2026-11-01T00:00:00Z');
    const codes = Array.from({ length: 2000 }, (_, i) => completeCreditCode(`9144030000${String(i).padStart(7, '0')}`));
    const a = codes.map((c) => syntheticCompany('s', c, asOf));
    assert.deepEqual(
      a,
      codes.map((c) => syntheticCompany('s', c, asOf)),
    );
    const found = a.filter((x) => x !== undefined);
    const notFound = a.length - found.length;
    assert.ok(notFound > 20 && notFound < 110, `not found ${notFound}`);
    const zero = found.filter((x) => x.cases.length === 0).length / found.length;
    assert.ok(zero > 0.52 && zero < 0.68, `share without cases ${zero}`);
    const cases = found.flatMap((x) => x.cases);
    const lost = cases.filter((c) => c.result === 'lose');
    assert.ok(lost.length / cases.length > 0.45 && lost.length / cases.length < 0.65);
    assert.ok(cases.every((c) => c.result === 'lose' || c.executed));
    assert.ok(cases.every((c) => c.filedDate <= '2026-11-01' && c.filedDate >= '2022-10-01'));
    const amounts = cases.map((c) => Number(c.amount)).sort((x, y) => x - y);
    const median = amounts[Math.floor(amounts.length / 2)]!;
    assert.ok(median > 15_000 && median < 40_000, `median ${median}`);
  });
});
