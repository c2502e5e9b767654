import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { registerUser, TEST_ENV, type TestUser } from './factories.ts';

describe('stores and regions', () => {
  let t: TestApp;
  let owner: TestUser;
  let other: TestUser;
  before(async () => {
    t = await createTestApp({ env: TEST_ENV, now: '2026-11-23T02:00:00Z' });
    owner = await registerUser(t, { kind: 'enterprise' });
    other = await registerUser(t);
  });
  after(async () => t.close());

  const body = {
    name: '菜鸟驿站（南山科技园店）',
    brands: ['中通', '圆通', '中通'],
    regionCode: '440305',
    address: '深圳市南山区科技园南区高新南一道 8 号',
    lat: 22.5405,
    lng: 113.9531,
    contactPhone: '138 1234 5678',
  };

  it('GB/T 2260: regions API serves province → city → district pickers from the shipped dataset', async () => {
    const provinces = (await t.app.inject({ method: 'GET', url: '/api/v1/regions' })).json().items as { code: string; name: string }[];
    assert.equal(provinces.length, 31);
    assert.ok(provinces.some((p) => p.code === '440000' && p.name === '广东省'));
    const cities = (await t.app.inject({ method: 'GET', url: '/api/v1/regions?parent=440000' })).json().items as {
      code: string;
      name: string;
    }[];
    assert.ok(cities.some((c) => c.code === '440300' && c.name === '深圳市'));
    const districts = (await t.app.inject({ method: 'GET', url: '/api/v1/regions?parent=440300' })).json().items as {
      code: string;
      name: string;
      level: string;
    }[];
    assert.ok(districts.some((d) => d.code === '440305' && d.name === '南山区' && d.level === 'district'));
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/regions?parent=999900' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'REGION_NOT_FOUND');
  });

  it('S5.5a: a store owner creates a store; the contact phone is encrypted at rest and masked in responses', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/stores', headers: owner.headers, payload: body });
    assert.equal(r.statusCode, 201, r.body);
    const s = r.json();
    assert.equal(s.name, body.name);
    assert.deepEqual(s.brands, ['中通', '圆通']);
    assert.equal(s.regionName, '广东省 深圳市 南山区');
    assert.equal(s.contactPhoneMasked, '138****5678');
    assert.ok(!r.body.includes('13812345678'));
    const row = await t.p.db.selectFrom('stores').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    assert.ok(!row.contact_phone_enc.includes('13812345678'));
    assert.equal(t.p.keyring.decrypt(row.contact_phone_enc, 'stores.contact_phone'), '13812345678');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/stores', headers: owner.headers });
    assert.deepEqual(
      list.json().items.map((x: { id: string }) => x.id),
      [s.id],
    );
  });

  it('S5.5a: a store needs a county-level GB/T 2260 code and a valid phone', async () => {
    const city = await t.app.inject({
      method: 'POST',
      url: '/api/v1/stores',
      headers: owner.headers,
      payload: { ...body, regionCode: '440300' },
    });
    assert.equal(city.statusCode, 400);
    assert.equal(city.json().code, 'STORE_REGION_INVALID');
    const phone = await t.app.inject({
      method: 'POST',
      url: '/api/v1/stores',
      headers: owner.headers,
      payload: { ...body, contactPhone: '12345' },
    });
    assert.equal(phone.statusCode, 400);
    assert.equal(phone.json().code, 'STORE_PHONE_INVALID');
    const anon = await t.app.inject({ method: 'POST', url: '/api/v1/stores', payload: body });
    assert.equal(anon.statusCode, 401);
  });

  it('S6.1: a user can never read, change or delete another user’s store', async () => {
    const s = (await t.app.inject({ method: 'POST', url: '/api/v1/stores', headers: owner.headers, payload: body })).json();
    for (const [method, payload] of [
      ['GET', undefined],
      ['PATCH', { name: '抢走' }],
      ['DELETE', undefined],
    ] as const) {
      const r = await t.app.inject({ method, url: `/api/v1/stores/${s.id}`, headers: other.headers, ...(payload ? { payload } : {}) });
      assert.equal(r.statusCode, 404, `${method} ${r.body}`);
      assert.equal(r.json().code, 'STORE_NOT_FOUND');
    }
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/stores', headers: other.headers });
    assert.deepEqual(list.json().items, []);
    const still = await t.app.inject({ method: 'GET', url: `/api/v1/stores/${s.id}`, headers: owner.headers });
    assert.equal(still.json().name, body.name);
  });

  it('stores: the owner edits and removes a store', async () => {
    const s = (await t.app.inject({ method: 'POST', url: '/api/v1/stores', headers: owner.headers, payload: body })).json();
    const p = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/stores/${s.id}`,
      headers: owner.headers,
      payload: { name: '兔喜生活（科技园店）', regionCode: '110108', contactPhone: '010-62345678' },
    });
    assert.equal(p.statusCode, 200, p.body);
    assert.equal(p.json().name, '兔喜生活（科技园店）');
    assert.equal(p.json().regionName, '北京市 海淀区');
    assert.equal(p.json().contactPhoneMasked, '010****5678');
    const d = await t.app.inject({ method: 'DELETE', url: `/api/v1/stores/${s.id}`, headers: owner.headers });
    assert.equal(d.statusCode, 200);
    const gone = await t.app.inject({ method: 'GET', url: `/api/v1/stores/${s.id}`, headers: owner.headers });
    assert.equal(gone.statusCode, 404);
  });
});
