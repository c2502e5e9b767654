import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { registerUser, TEST_ENV, type TestUser } from './factories.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 1), Buffer.from([0xff, 0xd9])]);

/** A multipart/form-data body with one part "file", as a browser's FormData would send it. */
async function multipart(bytes: Buffer, name = 'photo.png', type = 'image/png', field = 'file') {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)], { type }), name);
  const r = new Response(form);
  return { payload: Buffer.from(await r.arrayBuffer()), contentType: r.headers.get('content-type')! };
}

describe('store photos', () => {
  let t: TestApp;
  let owner: TestUser;
  let courier: TestUser;
  let storeId: string;

  before(async () => {
    t = await createTestApp({ env: TEST_ENV, now: '2026-11-23T02:00:00Z' });
    owner = await registerUser(t);
    courier = await registerUser(t);
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/stores',
      headers: owner.headers,
      payload: {
        name: '菜鸟驿站（南山科技园店）',
        brands: ['中通'],
        regionCode: '440305',
        address: '深圳市南山区高新南一道 8 号',
        lat: 22.5405,
        lng: 113.9531,
        contactPhone: '13812345678',
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    storeId = r.json().id;
  });
  after(async () => t.close());

  const upload = async (who: TestUser, bytes: Buffer, store = storeId, name?: string, type?: string, field?: string) => {
    const m = await multipart(bytes, name, type, field);
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store}/photos`,
      headers: { ...who.headers, 'content-type': m.contentType },
      payload: m.payload,
    });
  };

  it('S5.5a: an owner adds JPEG/PNG photos to a store (type by content); any logged-in user sees them, anonymous users do not', async () => {
    const png = await upload(owner, PNG);
    assert.equal(png.statusCode, 201, png.body);
    assert.equal(png.json().mime, 'image/png');
    // The claimed name and type are ignored: a JPEG named .png is stored as a JPEG.
    const jpeg = await upload(owner, JPEG, storeId, 'front.png', 'image/png');
    assert.equal(jpeg.statusCode, 201, jpeg.body);
    assert.equal(jpeg.json().mime, 'image/jpeg');

    const store = (await t.app.inject({ method: 'GET', url: `/api/v1/stores/${storeId}`, headers: owner.headers })).json();
    assert.deepEqual(
      store.photos.map((x: { id: string }) => x.id),
      [png.json().id, jpeg.json().id],
    );
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/stores', headers: owner.headers })).json();
    assert.equal(list.items[0].photos.length, 2);

    // A courier (any logged-in user) lists and loads them: they are not personal data.
    const seen = await t.app.inject({ method: 'GET', url: `/api/v1/stores/${storeId}/photos`, headers: courier.headers });
    assert.equal(seen.statusCode, 200, seen.body);
    assert.equal(seen.json().items.length, 2);
    const img = await t.app.inject({ method: 'GET', url: seen.json().items[0].url, headers: courier.headers });
    assert.equal(img.statusCode, 200);
    assert.equal(img.headers['content-type'], 'image/png');
    assert.equal(img.headers['x-content-type-options'], 'nosniff');
    assert.ok(img.rawPayload.equals(PNG));
    const anon = await t.app.inject({ method: 'GET', url: seen.json().items[0].url });
    assert.equal(anon.statusCode, 401);
  });

  it('S5.5a: not an image, too large, malformed, someone else’s store, more than 9 — each refused with its own code', async () => {
    const text = await upload(owner, Buffer.from('GIF89a — not JPEG or PNG'), storeId, 'x.jpg', 'image/jpeg');
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().code, 'STORE_PHOTO_TYPE');
    const big = await upload(owner, Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]));
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'STORE_PHOTO_TOO_LARGE');
    const wrongField = await upload(owner, PNG, storeId, 'a.png', 'image/png', 'picture');
    assert.equal(wrongField.json().code, 'STORE_PHOTO_MALFORMED');
    const json = await t.app.inject({
      method: 'POST',
      url: `/api/v1/stores/${storeId}/photos`,
      headers: owner.headers,
      payload: { file: 'x' },
    });
    assert.ok([400, 415].includes(json.statusCode), json.body);
    // Someone else's store: not found (never reveal that it exists).
    const other = await upload(courier, PNG);
    assert.ok([403, 404].includes(other.statusCode), other.body);

    const now = (await t.app.inject({ method: 'GET', url: `/api/v1/stores/${storeId}/photos`, headers: owner.headers })).json().items
      .length;
    for (let i = now; i < 9; i++) assert.equal((await upload(owner, PNG)).statusCode, 201);
    const tenth = await upload(owner, PNG);
    assert.equal(tenth.statusCode, 409);
    assert.equal(tenth.json().code, 'STORE_PHOTO_LIMIT');
  });

  it('S5.5a: the owner removes a photo; it is no longer listed or served; nobody else can remove it', async () => {
    const items = (await t.app.inject({ method: 'GET', url: `/api/v1/stores/${storeId}/photos`, headers: owner.headers })).json().items;
    const victim = items[0];
    const byOther = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/stores/${storeId}/photos/${victim.id}`,
      headers: courier.headers,
    });
    assert.ok([403, 404].includes(byOther.statusCode));
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/stores/${storeId}/photos/${victim.id}`, headers: owner.headers });
    assert.equal(del.statusCode, 200, del.body);
    const after = (await t.app.inject({ method: 'GET', url: `/api/v1/stores/${storeId}/photos`, headers: owner.headers })).json().items;
    assert.equal(after.length, items.length - 1);
    const gone = await t.app.inject({ method: 'GET', url: victim.url, headers: courier.headers });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, 'STORE_PHOTO_NOT_FOUND');
    const again = await t.app.inject({ method: 'DELETE', url: `/api/v1/stores/${storeId}/photos/${victim.id}`, headers: owner.headers });
    assert.equal(again.statusCode, 404);
  });
});
