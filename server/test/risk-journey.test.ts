import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createArbitrationProvider, type ArbitrationProvider } from '../../emulators/arbitration-provider/src/server.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { createStaff, randomCreditCode, registerUser, TEST_ENV, type TestStaff, type TestUser } from './factories.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import { riskModule } from '../src/modules/risk/index.ts';

/** Real accounts, roles and message center around the risk module: who may see what, and where alerts land. */
describe('risk with real accounts and the message center', () => {
  let provider: ArbitrationProvider;
  let t: TestApp | undefined;
  let riskStaff: TestStaff;
  let opsStaff: TestStaff;
  let courier: TestUser;
  const code = randomCreditCode();

  before(async () => {
    provider = createArbitrationProvider({ seed: 'risk-journey', now: () => t?.clock.now() ?? new Date() });
    const url = await provider.listen(0);
    t = await createTestApp({
      modules: [accountsModule, messagesModule, riskModule],
      env: {
        ...TEST_ENV,
        ARBITRATION_BASE_URL: url,
        ARBITRATION_CACHE_KEY_PREFIX: `dingban_test_journey_${Date.now()}:labor:arbitration:`,
      },
    });
    riskStaff = await createStaff(t, ['risk']);
    opsStaff = await createStaff(t, ['ops']);
    courier = await registerUser(t);
    const day = (daysAgo: number) => new Date(t!.clock.now().getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    provider.setCompany(code, {
      companyName: '郑州佳运快递服务有限公司',
      cases: [
        {
          caseNo: 'J-2',
          title: '李某与郑州佳运快递服务有限公司加班费纠纷',
          filedDate: day(20),
          amount: '18000.00',
          result: 'lose',
          executed: false,
        },
        {
          caseNo: 'J-1',
          title: '张某与郑州佳运快递服务有限公司经济补偿金纠纷',
          filedDate: day(200),
          amount: '26000.00',
          result: 'lose',
          executed: true,
        },
      ],
    });
  });
  after(async () => {
    await provider.close();
    if (t?.p.redis) {
      const keys = await t.p.redis.keys('dingban_test_journey_*');
      if (keys.length) await t.p.redis.del(...keys);
    }
    await t?.close();
  });

  it('A7: an urgent company reaches the risk staff’s message center with cases, amount and latest case — not other staff', async () => {
    const r = await t!.app.inject({ method: 'POST', url: `/api/v1/risk/companies/${code}/check`, headers: riskStaff.headers });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().level, 'high');
    assert.equal(r.json().alert.severity, 'urgent');
    await t!.p.jobs.drain();
    await t!.p.jobs.drain();
    const inbox = await t!.app.inject({
      method: 'GET',
      url: '/api/v1/notifications',
      headers: { ...riskStaff.headers, 'accept-language': 'en-US' },
    });
    assert.equal(inbox.statusCode, 200, inbox.body);
    const note = inbox.json().items.find((n: { title: string }) => n.title.includes('郑州佳运快递服务有限公司'));
    assert.ok(note, inbox.body);
    assert.match(note.title, /^\[URGENT\] Labor risk alert/);
    assert.match(note.body, /arbitration cases 2; amount involved CNY 44000\.00; latest case: 李某与郑州佳运快递服务有限公司加班费纠纷/);
    const other = await t!.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: opsStaff.headers });
    assert.equal(other.statusCode, 200);
    assert.equal(other.json().items.filter((n: { title: string }) => n.title.includes('郑州佳运')).length, 0);
  });

  it('A3: staff without risk:read and couriers cannot see scores or cases; couriers see the level', async () => {
    for (const h of [opsStaff.headers, courier.headers]) {
      assert.equal((await t!.app.inject({ method: 'POST', url: `/api/v1/risk/companies/${code}/check`, headers: h })).statusCode, 403);
      assert.equal((await t!.app.inject({ method: 'GET', url: '/api/v1/risk/alerts', headers: h })).statusCode, 403);
    }
    const lvl = await t!.app.inject({ method: 'GET', url: `/api/v1/risk/levels/${code}`, headers: courier.headers });
    assert.equal(lvl.statusCode, 200);
    assert.deepEqual(Object.keys(lvl.json()).sort(), ['checkedAt', 'companyName', 'creditCode', 'explanation', 'level']);
    assert.equal(lvl.json().level, 'high');
    assert.match(lvl.json().explanation, /高风险/);
  });
});
