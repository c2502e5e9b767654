import { Type } from 'typebox';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { IdempotencyHeaders, IdParams, problems, Timestamp } from '../../platform/schemas.ts';
import { ChannelError } from './channels/channel.ts';
import { channelNamed, type ChannelDeps } from './channel-payments.ts';
import { createTopUp, getTopUp, handleNotification } from './topups.ts';

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
const ChannelName = Type.String({
  minLength: 1,
  maxLength: 20,
  description: 'An enabled channel (GET /wallet/channels); default: the first',
});
const TopUpBody = Type.Object({
  amountFen: Type.Integer({ minimum: 1, description: 'Amount in fen' }),
  channel: Type.Optional(ChannelName),
});
const ChannelsView = Type.Object({
  items: Type.Array(
    Type.Object({
      name: Type.String({ description: '`wechat` (WeChat Pay) or `alipay`' }),
      default: Type.Boolean(),
      payoutKinds: Type.Array(Type.String(), { description: 'Bound account kinds this channel pays out to' }),
    }),
  ),
});
const ChannelAnswer = Type.Object({ code: Type.String(), message: Type.String() });

/** Top-up through a payment channel, and the channels' callback endpoints. */
export async function channelRoutes(app: App, p: Platform, d: ChannelDeps): Promise<void> {
  app.get(
    '/api/v1/wallet/channels',
    {
      schema: {
        tags: ['wallet'],
        summary: 'The enabled payment channels, the default first',
        response: { 200: ChannelsView, ...problems(401) },
      },
      preHandler: [requireAuth],
    },
    async () => ({ items: d.channels.map((c, i) => ({ name: c.name, default: i === 0, payoutKinds: [...c.payoutKinds] })) }),
  );

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
      const v = await createTopUp(p, d, actorOf(req), {
        amountFen: req.body.amountFen,
        channel: req.body.channel,
        idempotencyKey: req.headers['idempotency-key'],
      });
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

  // The channels' asynchronous notifications need the raw body to check the signature: WeChat Pay posts
  // JSON and wants 204 (anything else → it retries); Alipay posts a form and wants the text `success`
  // (anything else → it retries), which is answered only after the credit committed.
  await app.register(async (scope) => {
    scope.removeContentTypeParser(['application/json', 'application/x-www-form-urlencoded']);
    scope.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(
      '/api/v1/wallet/channels/:channel/notify',
      {
        schema: {
          tags: ['wallet'],
          summary: 'Payment channel callback (WeChat Pay API v3 JSON, or Alipay form answered `success`); not for apps',
          params: Type.Object({ channel: Type.String({ maxLength: 20 }) }),
          response: {
            200: {
              description: 'Alipay: text/plain `success` or `failure`',
              content: { 'text/plain': { schema: Type.String() } },
            } as never,
            204: Type.Null(),
            400: ChannelAnswer,
            401: ChannelAnswer,
            404: ChannelAnswer,
            500: ChannelAnswer,
          },
        },
        config: { rateLimit: false },
      },
      async (req, reply) => {
        const { channel: name } = req.params as { channel: string };
        const channel = channelNamed(d, name);
        if (!channel) return reply.code(404).send({ code: 'FAIL', message: '未知渠道' });
        const text = (status: 200 | 400 | 500, body: 'success' | 'failure') =>
          reply
            .code(status)
            .type('text/plain; charset=utf-8')
            .serializer((x: unknown) => x as string)
            .send(body);
        const alipay = channel.notifyProtocol === 'alipay';
        try {
          await handleNotification(p, d, name, req.headers, typeof req.body === 'string' ? req.body : '');
          return alipay ? text(200, 'success') : reply.code(204).send();
        } catch (err) {
          if (err instanceof ChannelError && (err.code === 'SIGNATURE_INVALID' || err.code === 'BAD_NOTIFICATION')) {
            req.log.warn({ channel: name, reason: err.message }, 'rejected a payment notification');
            return alipay ? text(400, 'failure') : reply.code(401).send({ code: 'FAIL', message: '签名验证失败' });
          }
          req.log.error({ err, channel: name }, 'payment notification failed; the channel will retry');
          return alipay ? text(500, 'failure') : reply.code(500).send({ code: 'FAIL', message: '处理失败' });
        }
      },
    );
  });
}
