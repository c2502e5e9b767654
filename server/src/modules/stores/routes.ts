import { Type } from 'typebox';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { IdParams, Ok, problems, Uuid } from '../../platform/schemas.ts';
import type { StoreRow } from './repo.ts';
import { presentPhoto, presentStore } from './presenter.ts';
import { addPhoto, listStorePhotos, MAX_PHOTO_BYTES, photosOf, readPhoto, removePhoto } from './photos.ts';
import { findRegion, regionChildren } from './regions.ts';
import { RegionList, RegionsQuery, StoreBody, StoreList, StorePatch, StorePhotoList, StorePhotoView, StoreView } from './schemas.ts';
import * as service from './service.ts';

export function storeRoutes(app: App, p: Platform): void {
  app.addSchema(StorePhotoView);
  app.addSchema(StoreView);
  const StoreRef = Type.Ref('StoreView');
  /** A store with its photos (one query for the photos). */
  const withPhotos = async (row: StoreRow) => presentStore(row, p.keyring, (await photosOf(p.db, [row.id])).get(row.id));

  app.get(
    '/api/v1/regions',
    {
      schema: {
        tags: ['stores'],
        summary: 'GB/T 2260 divisions for province → city → district pickers',
        querystring: RegionsQuery,
        response: { 200: RegionList, ...problems(400, 404) },
      },
    },
    async (req, reply) => {
      const parent = req.query.parent ?? null;
      if (parent && !findRegion(parent)) throw new AppError('REGION_NOT_FOUND', { code: parent });
      reply.header('cache-control', 'public, max-age=86400');
      return { items: regionChildren(parent) };
    },
  );

  app.get(
    '/api/v1/stores',
    { schema: { tags: ['stores'], summary: 'My stores', response: { 200: StoreList, ...problems(401, 403) } }, preHandler: requireAuth },
    async (req) => {
      const rows = await service.listMyStores(p, actorOf(req));
      const photos = await photosOf(
        p.db,
        rows.map((r) => r.id),
      );
      return { items: rows.map((r) => presentStore(r, p.keyring, photos.get(r.id))) };
    },
  );

  app.post(
    '/api/v1/stores',
    {
      schema: { tags: ['stores'], summary: 'Add a store', body: StoreBody, response: { 201: StoreRef, ...problems(400, 401, 403) } },
      preHandler: requireAuth,
    },
    async (req, reply) => reply.code(201).send(presentStore(await service.createStore(p, actorOf(req), req.body), p.keyring)),
  );

  app.get(
    '/api/v1/stores/:id',
    {
      schema: {
        tags: ['stores'],
        summary: 'One of my stores',
        params: IdParams,
        response: { 200: StoreRef, ...problems(400, 401, 403, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => withPhotos(await service.getMyStore(p, actorOf(req), req.params.id)),
  );

  app.patch(
    '/api/v1/stores/:id',
    {
      schema: {
        tags: ['stores'],
        summary: 'Change one of my stores',
        params: IdParams,
        body: StorePatch,
        response: { 200: StoreRef, ...problems(400, 401, 403, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => withPhotos(await service.updateStore(p, actorOf(req), req.params.id, req.body)),
  );

  app.delete(
    '/api/v1/stores/:id',
    {
      schema: {
        tags: ['stores'],
        summary: 'Remove one of my stores',
        params: IdParams,
        response: { 200: Ok, ...problems(400, 401, 403, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      await service.deleteStore(p, actorOf(req), req.params.id);
      return { ok: true as const };
    },
  );

  // Photos (not personal data): the owner uploads and removes them; any logged-in user sees them.
  app.register(async (instance) => {
    const scope = instance as unknown as App;
    const limit = MAX_PHOTO_BYTES + 256 * 1024;
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
    scope.post(
      '/api/v1/stores/:id/photos',
      {
        schema: {
          tags: ['stores'],
          summary: 'Add a photo to one of my stores (multipart/form-data, part "file"; JPEG or PNG by content, ≤ 2 MB, ≤ 9 per store)',
          consumes: ['multipart/form-data'],
          params: IdParams,
          response: { 201: Type.Ref('StorePhotoView'), ...problems(400, 401, 403, 404, 409, 413, 415) },
        },
        preHandler: requireAuth,
        bodyLimit: limit,
      },
      async (req, reply) => {
        const bytes = await filePart(req.body, req.headers['content-type']);
        return reply.code(201).send(presentPhoto(await addPhoto(p, actorOf(req), req.params.id, bytes)));
      },
    );
  });

  app.delete(
    '/api/v1/stores/:id/photos/:photoId',
    {
      schema: {
        tags: ['stores'],
        summary: 'Remove a photo of one of my stores',
        params: Type.Object({ id: Uuid, photoId: Uuid }),
        response: { 200: Ok, ...problems(400, 401, 403, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      await removePhoto(p, actorOf(req), req.params.id, req.params.photoId);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/v1/stores/:id/photos',
    {
      schema: {
        tags: ['stores'],
        summary: "A store's photos (any logged-in user: couriers see them on the store's orders)",
        params: IdParams,
        response: { 200: StorePhotoList, ...problems(400, 401, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => ({ items: (await listStorePhotos(p, req.params.id)).map(presentPhoto) }),
  );

  app.get(
    '/api/v1/store-photos/:id',
    {
      schema: {
        tags: ['stores'],
        summary: 'A store photo (JPEG or PNG) for logged-in users',
        params: IdParams,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...problems(400, 401, 404) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => {
      const photo = await readPhoto(p, req.params.id);
      return reply
        .type(photo.mime)
        .header('etag', `"${photo.sha256}"`)
        .header('cache-control', 'private, max-age=86400, immutable')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', 'inline; filename="store-photo"')
        .send(photo.bytes);
    },
  );
}

/** Reads the single `file` part of a multipart/form-data body. */
async function filePart(body: unknown, contentType: string | undefined): Promise<Uint8Array> {
  if (!Buffer.isBuffer(body) || !contentType?.startsWith('multipart/form-data')) throw new AppError('STORE_PHOTO_MALFORMED');
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new AppError('STORE_PHOTO_MALFORMED');
  }
  const file = form.get('file');
  if (!file || typeof file === 'string') throw new AppError('STORE_PHOTO_MALFORMED');
  return new Uint8Array(await file.arrayBuffer());
}
