import { Type } from 'typebox';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { IdParams, Ok, problems } from '../../platform/schemas.ts';
import { presentStore } from './presenter.ts';
import { findRegion, regionChildren } from './regions.ts';
import { RegionList, RegionsQuery, StoreBody, StoreList, StorePatch, StoreView } from './schemas.ts';
import * as service from './service.ts';

export function storeRoutes(app: App, p: Platform): void {
  app.addSchema(StoreView);
  const StoreRef = Type.Ref('StoreView');

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
    async (req) => ({ items: (await service.listMyStores(p, actorOf(req))).map((r) => presentStore(r, p.keyring)) }),
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
    async (req) => presentStore(await service.getMyStore(p, actorOf(req), req.params.id), p.keyring),
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
    async (req) => presentStore(await service.updateStore(p, actorOf(req), req.params.id, req.body), p.keyring),
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
}
