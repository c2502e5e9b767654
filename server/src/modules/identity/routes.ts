import { Type } from 'typebox';
import { actorOf, requireAuth, requirePermission } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { IdParams, problems } from '../../platform/schemas.ts';
import { KYC_REVIEW } from './policy.ts';
import { presentAudit, presentFile, presentVerification } from './presenter.ts';
import {
  EnterpriseBody,
  FileView,
  MyVerification,
  PersonBody,
  RejectBody,
  ReviewDetail,
  ReviewQueue,
  ReviewQueueQuery,
  UploadQuery,
  VerificationView,
} from './schemas.ts';
import * as service from './service.ts';
import { MAX_UPLOAD_BYTES } from './storage.ts';

const tags = ['identity'];

/** Reads the single `file` part of a multipart/form-data body (parsed by the platform's own fetch implementation). */
async function filePart(body: unknown, contentType: string | undefined): Promise<Uint8Array> {
  if (!Buffer.isBuffer(body) || !contentType?.startsWith('multipart/form-data')) throw new AppError('IDENTITY_UPLOAD_MALFORMED');
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new AppError('IDENTITY_UPLOAD_MALFORMED');
  }
  const file = form.get('file');
  if (!file || typeof file === 'string') throw new AppError('IDENTITY_UPLOAD_MALFORMED');
  return new Uint8Array(await file.arrayBuffer());
}

export function identityRoutes(app: App, p: Platform): void {
  // Uploads get their own scope so the multipart parser and larger body limit apply to them alone.
  app.register(async (instance) => {
    const scope = instance as unknown as App;
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES + 256 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(
      '/api/v1/identity/files',
      {
        schema: {
          tags,
          summary: 'Upload an ID card side or business license (multipart/form-data, part "file"; JPEG, PNG or PDF, ≤ 5 MB)',
          consumes: ['multipart/form-data'],
          querystring: UploadQuery,
          response: { 201: FileView, ...problems(400, 401, 413, 415, 503) },
        },
        preHandler: [requireAuth],
        bodyLimit: MAX_UPLOAD_BYTES + 256 * 1024,
      },
      async (req, reply) => {
        const bytes = await filePart(req.body, req.headers['content-type']);
        const row = await service.uploadDocument(p, actorOf(req), { purpose: req.query.purpose, bytes });
        return reply.code(201).send(presentFile(row));
      },
    );
  });

  app.get(
    '/api/v1/identity/files/:id/content',
    {
      schema: {
        tags,
        summary: 'The document bytes, for its owner or a KYC reviewer; every view is audited',
        params: IdParams,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...problems(401, 404, 503) },
      },
      preHandler: [requireAuth],
    },
    async (req, reply) => {
      const doc = await service.readDocument(p, actorOf(req), req.params.id, req.ip);
      return reply
        .type(doc.mime)
        .header('cache-control', 'no-store, private')
        .header('content-disposition', 'inline; filename="document"')
        .send(doc.bytes);
    },
  );

  app.post(
    '/api/v1/identity/verifications/person',
    {
      schema: {
        tags,
        summary: 'Submit personal real-name verification (S5.2b)',
        body: PersonBody,
        response: { 201: VerificationView, ...problems(400, 401, 403, 409) },
      },
      preHandler: [requireAuth],
    },
    async (req, reply) => {
      const row = await service.submitPersonVerification(p, actorOf(req), req.body, req.ip);
      return reply.code(201).send(presentVerification(p.keyring, row));
    },
  );

  app.post(
    '/api/v1/identity/verifications/enterprise',
    {
      schema: {
        tags,
        summary: 'Submit enterprise verification: business license and legal representative (S5.2a)',
        body: EnterpriseBody,
        response: { 201: VerificationView, ...problems(400, 401, 403, 409) },
      },
      preHandler: [requireAuth],
    },
    async (req, reply) => {
      const row = await service.submitEnterpriseVerification(p, actorOf(req), req.body, req.ip);
      return reply.code(201).send(presentVerification(p.keyring, row));
    },
  );

  app.get(
    '/api/v1/identity/me',
    {
      schema: { tags, summary: 'My verification status and history (S5.2c)', response: { 200: MyVerification, ...problems(401) } },
      preHandler: [requireAuth],
    },
    async (req) => {
      const actor = actorOf(req);
      const state = await service.verificationState(p.db, actor.userId, p.clock.now());
      const history = (await service.findMyVerifications(p, actor)).map((r) => presentVerification(p.keyring, r));
      return { verified: state.verified, reason: state.reason, current: history[0] ?? null, history };
    },
  );

  app.get(
    '/api/v1/identity/reviews',
    {
      schema: {
        tags,
        summary: 'Review queue, oldest first (staff: kyc:review)',
        querystring: ReviewQueueQuery,
        response: { 200: ReviewQueue, ...problems(401, 403) },
      },
      preHandler: [requirePermission(KYC_REVIEW)],
    },
    async (req) => {
      const page = await service.findReviewQueue(p, req.query);
      return { items: page.rows.map((r) => presentVerification(p.keyring, r)), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/identity/reviews/:id',
    {
      schema: {
        tags,
        summary: 'One verification with its audit trail (staff: kyc:review)',
        params: IdParams,
        response: { 200: ReviewDetail, ...problems(401, 403, 404) },
      },
      preHandler: [requirePermission(KYC_REVIEW)],
    },
    async (req) => {
      const { row, audit } = await service.getVerificationForReview(p, req.params.id);
      return { verification: presentVerification(p.keyring, row), audit: audit.map(presentAudit) };
    },
  );

  app.post(
    '/api/v1/identity/reviews/:id/approve',
    {
      schema: {
        tags,
        summary: 'Approve a verification (staff: kyc:review)',
        params: IdParams,
        response: { 200: VerificationView, ...problems(401, 403, 404, 409) },
      },
      preHandler: [requirePermission(KYC_REVIEW)],
    },
    async (req) => presentVerification(p.keyring, await service.approveVerification(p, actorOf(req), req.params.id, req.ip)),
  );

  app.post(
    '/api/v1/identity/reviews/:id/reject',
    {
      schema: {
        tags,
        summary: 'Reject a verification with a reason the user sees (staff: kyc:review)',
        params: IdParams,
        body: RejectBody,
        response: { 200: VerificationView, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: [requirePermission(KYC_REVIEW)],
    },
    async (req) =>
      presentVerification(p.keyring, await service.rejectVerification(p, actorOf(req), req.params.id, req.body.reason, req.ip)),
  );
}
