import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDatabaseUrl, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { marketQuery } from '../src/modules/orders/repo.ts';
import { marketQueryOf } from '../src/modules/orders/service.ts';
import {
  fakePerson,
  makeStore,
  ordersModuleForTests,
  ordersTestActorModule,
  postOrder,
  publishOrder,
  type FakeActor,
} from './orders-fixtures.ts';

const HOUR = 3600_000;

interface Item {
  id: string;
  storeName: string;
  payFen: number;
  startsAt: string;
  publishedAt: string;
  distanceM: number | null;
  storeRating: number | null;
}

describe('orders marketplace: find (S5.6a/b) and take (S5.6c)', () => {
  let t: TestApp;
  const eligible = new Set<string>();
  const takeHooks: { afterTakeCheck?: (userId: string) => Promise<void> } = {};
  let owner: FakeActor;
  let courier: FakeActor;
  let nanshan: string;
  let futian: string;
  let haidian: string;
  const ids: Record<string, string> = {};
  const at = (h: number) => new Date(t.clock.now().getTime() + h * HOUR).toISOString();

  before(async () => {
    t = await createTestApp({
      env: TEST_ENV,
      now: '2026-11-23T02:00:00Z', // Monday 10:00 in Shanghai
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible, new Set(), takeHooks), ordersTestActorModule],
    });
    owner = fakePerson();
    courier = fakePerson();
    eligible.add(courier.userId);
    nanshan = await makeStore(t, owner);
    futian = await makeStore(t, owner, {
      name: '兔喜生活（福田店）',
      regionCode: '440304',
      address: '深圳市福田区福华三路 100 号',
      lat: 22.5431,
      lng: 114.0579,
    });
    haidian = await makeStore(t, owner, {
      name: '妈妈驿站（中关村店）',
      regionCode: '110108',
      address: '北京市海淀区中关村大街 1 号',
      lat: 39.98,
      lng: 116.31,
    });
    // Published orders: different starts, pay, types.
    ids.nanshanA = await publishOrder(t, owner, nanshan, { startsAt: at(24), endsAt: at(32), payFen: 24000, typeCode: 'station_duty' });
    t.clock.advance(1000);
    ids.nanshanB = await publishOrder(t, owner, nanshan, {
      startsAt: at(48),
      endsAt: at(52),
      payFen: 16000,
      typeCode: 'sorting',
      description: '夜间分拣，熟悉中通面单优先',
    });
    t.clock.advance(1000);
    ids.futian = await publishOrder(t, owner, futian, {
      startsAt: at(30),
      endsAt: at(38),
      payFen: 30000,
      typeCode: 'delivery',
      description: '派件 120 件左右',
    });
    t.clock.advance(1000);
    ids.haidian = await publishOrder(t, owner, haidian, { startsAt: at(72), endsAt: at(80), payFen: 20000, typeCode: 'pickup' });
    // Not in the marketplace: unpaid.
    const unpaid = await postOrder(t, owner, nanshan, { startsAt: at(26), endsAt: at(30) });
    ids.unpaid = unpaid.json().id;
  });
  after(async () => t.close());

  const find = async (qs: string, who: FakeActor = courier): Promise<{ items: Item[]; nextCursor: string | null }> => {
    const r = await t.app.inject({ method: 'GET', url: `/api/v1/orders/market?${qs}`, headers: who.headers });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const names = (items: Item[]) => items.map((i) => i.id).sort();
  const of = (...keys: string[]) => keys.map((k) => ids[k]!).sort();

  it('S5.6b: couriers see published, untaken orders only', async () => {
    const r = await find('');
    assert.deepEqual(names(r.items), of('nanshanA', 'nanshanB', 'futian', 'haidian'));
    const anon = await t.app.inject({ method: 'GET', url: '/api/v1/orders/market' });
    assert.equal(anon.statusCode, 401);
  });

  it('S5.6a: keyword search finds Chinese substrings of 1, 2 and more characters over store name, address and description', async () => {
    assert.deepEqual(names((await find(`keyword=${encodeURIComponent('驿站')}`)).items), of('nanshanA', 'nanshanB', 'haidian'));
    assert.deepEqual(names((await find(`keyword=${encodeURIComponent('福田')}`)).items), of('futian'));
    assert.deepEqual(names((await find(`keyword=${encodeURIComponent('兔')}`)).items), of('futian'));
    assert.deepEqual(names((await find(`keyword=${encodeURIComponent('中通面单')}`)).items), of('nanshanB'));
    assert.deepEqual(names((await find(`keyword=${encodeURIComponent('南山 分拣')}`)).items), of('nanshanB'));
    assert.deepEqual(names((await find(`keyword=${encodeURIComponent('科技园店')}`)).items), of('nanshanA', 'nanshanB'));
    // Full-width and case are normalised; a string whose bigrams all occur but not contiguously does not match.
    assert.deepEqual(names((await find(`keyword=${encodeURIComponent('１２０')}`)).items), of('futian'));
    assert.deepEqual(names((await find(`keyword=${encodeURIComponent('驿站南山')}`)).items), []);
  });

  it('S5.6b: region filters work at province, city and district level', async () => {
    assert.deepEqual(names((await find('region=440000')).items), of('nanshanA', 'nanshanB', 'futian'));
    assert.deepEqual(names((await find('region=440300')).items), of('nanshanA', 'nanshanB', 'futian'));
    assert.deepEqual(names((await find('region=440305')).items), of('nanshanA', 'nanshanB'));
    assert.deepEqual(names((await find('region=110000')).items), of('haidian'));
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/orders/market?region=999999', headers: courier.headers });
    assert.equal(bad.json().code, 'ORDER_SEARCH_REGION_UNKNOWN');
  });

  it('S5.6b: date range, type and pay range filters', async () => {
    // Now is Monday 2026-11-23 10:00 Shanghai; +24 h and +30 h fall on the 24th, +48 h on the 25th, +72 h on the 26th.
    assert.deepEqual(names((await find('dateFrom=2026-11-24&dateTo=2026-11-24')).items), of('nanshanA', 'futian'));
    assert.deepEqual(names((await find('dateFrom=2026-11-25')).items), of('nanshanB', 'haidian'));
    assert.deepEqual(names((await find('type=sorting&type=pickup')).items), of('nanshanB', 'haidian'));
    assert.deepEqual(names((await find('payMinFen=20000&payMaxFen=24000')).items), of('nanshanA', 'haidian'));
  });

  it('S5.6b: within a radius of a point, sorted by distance, each result with its distance and store rating', async () => {
    const here = 'lat=22.5400&lng=113.9500'; // ~330 m from the Nanshan store, ~11 km from Futian
    const near = await find(`${here}&radiusM=5000`);
    assert.deepEqual(names(near.items), of('nanshanA', 'nanshanB'));
    for (const i of near.items) {
      assert.ok(i.distanceM! > 250 && i.distanceM! < 450, `distance ${i.distanceM}`);
      assert.equal(i.storeRating, null);
    }
    const all = await find(`${here}&sort=distance`);
    const d = all.items.map((i) => i.distanceM!);
    assert.deepEqual(
      d,
      [...d].sort((a, b) => a - b),
    );
    assert.equal(all.items.at(-1)!.id, ids.haidian);
    assert.ok(all.items.at(-1)!.distanceM! > 1_900_000);
    const noPoint = await t.app.inject({ method: 'GET', url: '/api/v1/orders/market?sort=distance', headers: courier.headers });
    assert.equal(noPoint.json().code, 'ORDER_SEARCH_NEEDS_POINT');
  });

  it('S5.6b: every sort pages with keyset cursors without gaps or repeats', async () => {
    const expectations: [string, (a: Item, b: Item) => number][] = [
      ['sort=start', (a, b) => a.startsAt.localeCompare(b.startsAt)],
      ['sort=pay', (a, b) => b.payFen - a.payFen],
      ['sort=newest', (a, b) => b.publishedAt.localeCompare(a.publishedAt)],
      ['sort=distance&lat=22.54&lng=113.95', (a, b) => a.distanceM! - b.distanceM!],
    ];
    for (const [qs, cmp] of expectations) {
      const seen: Item[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const r = await find(`${qs}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...r.items);
        cursor = r.nextCursor;
        if (!cursor) break;
      }
      assert.equal(seen.length, 4, qs);
      assert.equal(new Set(seen.map((i) => i.id)).size, 4, qs);
      assert.deepEqual(
        seen.map((i) => i.id),
        [...seen].sort(cmp).map((i) => i.id),
        qs,
      );
    }
  });

  it('S5.6b: EXPLAIN shows the main query shapes served by their indexes', async () => {
    const shapes: [Parameters<typeof marketQueryOf>[1], string][] = [
      [{ keyword: '驿站' }, 'orders_market_grams_idx'],
      [{ lat: 22.54, lng: 113.95, radiusM: 5000, sort: 'distance' }, 'orders_market_geo_idx'],
      [{ keyword: '驿站', lat: 22.54, lng: 113.95, radiusM: 20000 }, 'orders_market_geo_idx'],
      [{ region: '440300' }, 'orders_market_city_idx'],
      [{ region: '440305' }, 'orders_market_region_idx'],
      [{ sort: 'start' }, 'orders_market_start_idx'],
      [{ sort: 'pay' }, 'orders_market_pay_idx'],
      [{ sort: 'newest' }, 'orders_market_newest_idx'],
    ];
    const client = await t.p.database.pool.connect();
    try {
      await client.query('BEGIN');
      // 20,000 synthetic published orders in Chengdu (rolled back afterwards), then fresh statistics, so the
      // planner chooses as it would on a real table rather than on this file's handful of rows.
      await client.query(
        `INSERT INTO orders (id, order_no, owner_id, store_id, type_code, status, store_name, region_code, city_code, province_code,
           address, lat, lng, starts_at, ends_at, pay_fen, brands, search_text, search_grams, checkin_code, pay_before, published_at,
           created_at, updated_at)
         SELECT gen_random_uuid(), 'SYN' || g, $1::uuid, $2::uuid, 'delivery', 'published', '合成门店' || g, '510104', '510100', '510000',
           '成都市锦江区合成路 ' || g || ' 号', 30.0 + (g % 100) * 0.02, 104.0 + (g / 100) * 0.01,
           $3::timestamptz + (g % 1440) * interval '1 hour', $3::timestamptz + (g % 1440) * interval '1 hour' + interval '8 hours',
           10000 + g % 20000, '{}', 'syn', ARRAY['合', '成', '合成'], '000000', $3::timestamptz, $3::timestamptz - g * interval '1 second',
           $3::timestamptz, $3::timestamptz
         FROM generate_series(1, 20000) AS g`,
        [owner.userId, nanshan, t.clock.now().toISOString()],
      );
      await client.query('ANALYZE orders');
      for (const [input, index] of shapes) {
        const compiled = marketQuery(t.p.db, marketQueryOf(t.clock.now(), input)).compile();
        const r = await client.query(`EXPLAIN (FORMAT JSON) ${compiled.sql}`, compiled.parameters as unknown[]);
        const plan = JSON.stringify(r.rows[0]['QUERY PLAN']);
        assert.ok(plan.includes(index), `${JSON.stringify(input)} should use ${index}: ${plan.slice(0, 800)}`);
        assert.ok(!plan.includes('"Seq Scan"'), `${JSON.stringify(input)} scans the table: ${plan.slice(0, 800)}`);
      }
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('S5.6c: only verified, certified couriers take orders (the real identity and training gates)', async () => {
    const stranger = fakePerson();
    const r = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${ids.haidian}/take`, headers: stranger.headers });
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().code, 'IDENTITY_NOT_VERIFIED');
    const own = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${ids.haidian}/take`, headers: owner.headers });
    assert.equal(own.json().code, 'ORDER_OWN_ORDER');
    const noPerm = fakePerson(['orders:post']);
    const f = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${ids.haidian}/take`, headers: noPerm.headers });
    assert.equal(f.statusCode, 403);
    assert.equal(f.json().code, 'FORBIDDEN');
  });

  it('S5.6c: of 50 couriers racing for one order exactly one wins', async () => {
    const id = await publishOrder(t, owner, futian, { startsAt: at(100), endsAt: at(104), payFen: 10000 });
    const racers = Array.from({ length: 50 }, () => fakePerson());
    for (const r of racers) eligible.add(r.userId);
    const results = await Promise.all(
      racers.map((r) => t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/take`, headers: r.headers })),
    );
    const winners = results.filter((r) => r.statusCode === 200);
    assert.equal(winners.length, 1, results.map((r) => r.statusCode).join(','));
    for (const r of results) if (r.statusCode !== 200) assert.equal(r.json().code, 'ORDER_ALREADY_TAKEN', r.body);
    const row = await t.p.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'taken');
    assert.equal(row.courier_id, winners[0]!.json().courierId);
    const takes = await t.p.db.selectFrom('order_events').select('id').where('order_id', '=', id).where('action', '=', 'take').execute();
    assert.equal(takes.length, 1);
    const gone = await find('');
    assert.ok(!gone.items.some((i) => i.id === id));
  });

  it('S5.6c: two server processes on one PostgreSQL: couriers racing through both still produce one winner', async (ctx) => {
    if (!testDatabaseUrl) return ctx.skip('needs TEST_DATABASE_URL (two processes need a shared server)');
    const second = await createTestApp({
      env: TEST_ENV,
      now: t.clock.now(),
      databaseUrl: t.config.databaseUrl!,
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible), ordersTestActorModule],
    });
    try {
      const id = await publishOrder(t, owner, futian, { startsAt: at(200), endsAt: at(204), payFen: 10000 });
      const racers = Array.from({ length: 40 }, () => fakePerson());
      for (const r of racers) eligible.add(r.userId);
      const results = await Promise.all(
        racers.map((r, i) => (i % 2 ? second : t).app.inject({ method: 'POST', url: `/api/v1/orders/${id}/take`, headers: r.headers })),
      );
      assert.equal(results.filter((r) => r.statusCode === 200).length, 1);
      assert.equal(results.filter((r) => r.statusCode === 409).length, 39);
    } finally {
      await second.close();
    }
  });

  it('S5.6c: one courier racing for two overlapping shifts gets exactly one (database exclusion constraint)', async () => {
    const a = await publishOrder(t, owner, nanshan, { startsAt: at(120), endsAt: at(128), payFen: 24000 });
    const b = await publishOrder(t, owner, futian, { startsAt: at(126), endsAt: at(130), payFen: 12000 });
    const solo = fakePerson();
    eligible.add(solo.userId);
    const [ra, rb] = await Promise.all(
      [a, b].map((id) => t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/take`, headers: solo.headers })),
    );
    const codes = [ra!, rb!].map((r) => (r.statusCode === 200 ? 'ok' : r.json().code)).sort();
    assert.deepEqual(codes, ['ORDER_SCHEDULE_CONFLICT', 'ok']);
    // The database itself refuses an overlap, whatever the application does.
    const other = ra!.statusCode === 200 ? b : a;
    await assert.rejects(
      t.p.db.updateTable('orders').set({ status: 'taken', courier_id: solo.userId }).where('id', '=', other).execute(),
      (err: { code?: string }) => err.code === '23P01',
    );
  });

  /** Runs `fn` with the weekly cap at `hours` for a new eligible courier, then puts the cap back to 60 h. */
  async function withWeeklyCap(
    hours: number,
    fn: (take: (id: string) => Promise<Awaited<ReturnType<TestApp['app']['inject']>>>, c: FakeActor) => Promise<void>,
  ) {
    await t.p.db.updateTable('order_rules').set({ weekly_hours_cap: hours }).where('id', '=', 1).execute();
    try {
      const c = fakePerson();
      eligible.add(c.userId);
      await fn((id) => t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/take`, headers: c.headers }), c);
    } finally {
      await t.p.db.updateTable('order_rules').set({ weekly_hours_cap: 60 }).where('id', '=', 1).execute();
    }
  }

  it('S5.6c: a courier is held to the weekly hours cap', () =>
    withWeeklyCap(12, async (take) => {
      // Monday 2026-11-30 and Tuesday 2026-12-01, 09:00–17:00 Shanghai: same week, 16 h > 12 h.
      const mon = await publishOrder(t, owner, nanshan, {
        startsAt: '2026-11-30T01:00:00Z',
        endsAt: '2026-11-30T09:00:00Z',
        payFen: 16000,
      });
      const tue = await publishOrder(t, owner, nanshan, {
        startsAt: '2026-12-01T01:00:00Z',
        endsAt: '2026-12-01T09:00:00Z',
        payFen: 16000,
      });
      const nextMon = await publishOrder(t, owner, nanshan, {
        startsAt: '2026-12-07T01:00:00Z',
        endsAt: '2026-12-07T09:00:00Z',
        payFen: 16000,
      });
      assert.equal((await take(mon)).statusCode, 200);
      const capped = await take(tue);
      assert.equal(capped.json().code, 'ORDER_WEEKLY_HOURS_CAP');
      assert.match(capped.json().detail, /12 小时/);
      assert.equal((await take(nextMon)).statusCode, 200);
    }));

  it('S5.6c: the weekly cap counts the week the shift is in when it is taken, even if it moved after the courier opened it', () =>
    withWeeklyCap(12, async (take, c) => {
      // The courier already works 8 h on Monday 2026-12-14; the order starts the week before when they open it.
      const worked = await publishOrder(t, owner, nanshan, {
        startsAt: '2026-12-14T01:00:00Z',
        endsAt: '2026-12-14T09:00:00Z',
        payFen: 16000,
      });
      const moving = await publishOrder(t, owner, nanshan, {
        startsAt: '2026-12-08T01:00:00Z',
        endsAt: '2026-12-08T09:00:00Z',
        payFen: 16000,
      });
      assert.equal((await take(worked)).statusCode, 200);
      // Between the courier's tap and the claim the shift moves into the week of 2026-12-14 (8 h + 8 h > 12 h).
      takeHooks.afterTakeCheck = async (userId) => {
        if (userId !== c.userId) return;
        await t.p.db
          .updateTable('orders')
          .set({ starts_at: new Date('2026-12-15T01:00:00Z'), ends_at: new Date('2026-12-15T09:00:00Z') })
          .where('id', '=', moving)
          .execute();
      };
      try {
        const capped = await take(moving);
        assert.equal(capped.json().code, 'ORDER_WEEKLY_HOURS_CAP', capped.body);
      } finally {
        delete takeHooks.afterTakeCheck;
      }
      const row = await t.p.db.selectFrom('orders').select(['status', 'courier_id']).where('id', '=', moving).executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'published', courier_id: null });
    }));

  it('S5.6c: taking an order puts it on the courier’s agenda and personal iCalendar feed', async () => {
    const r = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${ids.nanshanA}/take`, headers: courier.headers });
    assert.equal(r.statusCode, 200, r.body);
    const sched = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orders/schedule?from=2026-11-23&to=2026-11-29',
      headers: courier.headers,
    });
    assert.equal(sched.statusCode, 200, sched.body);
    assert.deepEqual(
      sched.json().days.map((d: { date: string; items: { id: string }[] }) => [d.date, d.items.map((i) => i.id)]),
      [['2026-11-24', [ids.nanshanA]]],
    );
    const others = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orders/schedule?from=2026-11-23&to=2026-11-29',
      headers: owner.headers,
    });
    assert.deepEqual(others.json().days, []);
    const tooLong = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orders/schedule?from=2026-01-01&to=2026-12-31',
      headers: courier.headers,
    });
    assert.equal(tooLong.json().code, 'ORDER_SCHEDULE_RANGE_INVALID');

    const feed = await t.app.inject({ method: 'POST', url: '/api/v1/orders/schedule/feed', headers: courier.headers });
    assert.equal(feed.statusCode, 201);
    const path = new URL(feed.json().url).pathname;
    const ics = await t.app.inject({ method: 'GET', url: path });
    assert.equal(ics.statusCode, 200);
    assert.match(ics.headers['content-type'] as string, /text\/calendar/);
    assert.match(ics.body, /^BEGIN:VCALENDAR\r\n/);
    assert.ok(ics.body.includes(`UID:${ids.nanshanA}@dingban`));
    assert.ok(ics.body.includes('DTSTART:20261124T020000Z'));
    assert.ok(ics.body.includes('SUMMARY:顶班 · 菜鸟驿站（南山科技园店）'));
    for (const line of ics.body.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, line);
    // Rotating the URL revokes the old one.
    await t.app.inject({ method: 'POST', url: '/api/v1/orders/schedule/feed', headers: courier.headers });
    assert.equal((await t.app.inject({ method: 'GET', url: path })).statusCode, 404);
  });
});
