import { Type } from 'typebox';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { IdempotencyHeaders, IdParams, problems, Timestamp } from '../../platform/schemas.ts';
import { ChannelError } from './channels/channel.ts';
import { createTopUp, getTopUp, handleNotification, type ChannelDeps } from './topups.ts';

export const TopUpView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  outTradeNo: Type.String(),
  channel: Type.String(),
  amountFen: Type.Integer(),
  status: Type.Union(['creating', 'pending', 'paid', 'closed', 'failed'].map((s) => Type.Literal(s))),
  codeUrl: Type.Union([Type.String(), Type.Null()], { description: 'Encode as a QR code for the payer to scan' }),
  payUrl: Type.Union([Type.String(), Type.Null()], { description: 'A page where the payer can pay (the emulator has one)' }),
  expiresAt: Timestamp,
  paidAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
});
const TopUpBody = Type.Object({ amountFen: Type.Integer({ minimum: 1, description: 'Amount in fen' }) });
const ChannelAnswer = Type.Object({ code: Type.String(), message: Type.String() });

/** Top-up through a payment channel, and the channel's callback endpoint. */
export async function channelRoutes(app: App, p: Platform, d: ChannelDeps): Promise<void> {
  app.post(
    '/api/v1/wallet/topups',
    {
      schema: {
        tags: ['wallet'],
        summary: 'Start a top-up through the payment channel (returns the code to scan / page to pay)',
        headers: IdempotencyHeaders,
        body: TopUpBody,
        response: { 201: TopUpView, ...problems(400, 401, 422, 503) },
      },
      preHandler: [requireAuth],
    },
    async (req, reply) => {
      const v = await createTopUp(p, d, actorOf(req), { amountFen: req.body.amountFen, idempotencyKey: req.headers['idempotency-key'] });
      return reply.code(201).send(v as never);
    },
  );

  app.get(
    '/api/v1/wallet/topups/:id',
    {
      schema: {
        tags: ['wallet'],
        summary: 'A top-up of mine and its state',
        params: IdParams,
        response: { 200: TopUpView, ...problems(401, 404) },
      },
      preHandler: [requireAuth],
    },
    async (req) => (await getTopUp(p, d, actorOf(req), req.params.id)) as never,
  );

  // The channel's asynchronous notifications need the raw body to check the signature.
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post(
      '/api/v1/wallet/channels/:channel/notify',
      {
        schema: {
          tags: ['wallet'],
          summary: 'Payment channel callback (WeChat Pay API v3 notification); not for apps',
          params: Type.Object({ channel: Type.String({ maxLength: 20 }) }),
          response: { 204: Type.Null(), 401: ChannelAnswer, 404: ChannelAnswer, 500: ChannelAnswer },
        },
        config: { rateLimit: false },
      },
      async (req, reply) => {
        const { channel } = req.params as { channel: string };
        if (!d.channel || d.channel.name !== channel) return reply.code(404).send({ code: 'FAIL', message: '未知渠道' });
        try {
          await handleNotification(p, d, req.headers, typeof req.body === 'string' ? req.body : '');
          return reply.code(204).send();
        } catch (err) {
          if (err instanceof ChannelError && err.code === 'SIGNATURE_INVALID') {
            req.log.warn({ reason: err.message }, 'rejected a payment notification');
            return reply.code(401).send({ code: 'FAIL', message: '签名验证失败' });
          }
          req.log.error({ err }, 'payment notification failed; the channel will retry');
          return reply.code(500).send({ code: 'FAIL', message: '处理失败' });
        }
      },
    );
  });
}
