// The platform as `node server/src/main.ts` runs it (same config, createPlatform, buildApp, startApp,
// listen), with two test-only differences:
//
// 1. A loopback side port that tells the journey the answer of an image captcha. A person reads the
//    picture; a test cannot, and the server keeps only a keyed MAC of the answer. With NODE_ENV=test the
//    accounts module keeps plain answers in memory for tests (accounts/captcha.ts `captchaTextForTests`);
//    this exposes them on 127.0.0.1:E2E_CAPTCHA_PORT, never on the platform's port.
// 2. WORKAROUND: server/src/app.ts serves web/dist with an SPA fallback by calling setNotFoundHandler a
//    second time, which Fastify refuses ("Not found handler already set"), so the server cannot start
//    once the web app is built. Until that is fixed, this entry serves web/dist itself through a module
//    passed to buildApp (static files + index.html for client-side routes) and tells app.ts there is
//    no build (WEB_DIST=/nonexistent). Remove this part when app.ts is fixed and import main.ts instead.
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import { captchaTextForTests } from '../../server/src/modules/accounts/captcha.ts';
import { loadConfig } from '../../server/src/platform/config.ts';
import { createPlatform } from '../../server/src/platform/platform.ts';
import { sendProblem } from '../../server/src/platform/http.ts';
import { buildApp, startApp } from '../../server/src/app.ts';
import { modules } from '../../server/src/modules/index.ts';
import type { Module } from '../../server/src/platform/module.ts';

const port = Number(process.env.E2E_CAPTCHA_PORT);
if (process.env.NODE_ENV !== 'test' || !port) throw new Error('server-entry.ts is for e2e tests only (NODE_ENV=test, E2E_CAPTCHA_PORT)');
createServer((req, res) => {
  const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('id') ?? '';
  const answer = captchaTextForTests.get(id);
  res.writeHead(answer ? 200 : 404, { 'content-type': 'text/plain' }).end(answer ?? '');
})
  .listen(port, '127.0.0.1')
  .unref();

const webDist = new URL('../../web/dist', import.meta.url).pathname;
if (!existsSync(`${webDist}/index.html`)) throw new Error('build the web app first (npm run build -w web)');

const spa: Module = {
  name: 'e2e-web',
  async register(app) {
    await app.register(fastifyStatic, { root: webDist, wildcard: false, index: ['index.html'] });
    app.get('/*', { schema: { hide: true } }, (req, reply) => {
      const path = req.url.split('?')[0]!;
      if (/^\/(api|open|health|metrics|docs|openapi)/.test(path) || /\.\w+$/.test(path)) return sendProblem(req, reply, 'ROUTE_NOT_FOUND');
      return reply.sendFile('index.html');
    });
  },
};

const config = loadConfig({ ...process.env, WEB_DIST: '/nonexistent' });
const p = await createPlatform(config);
const all = [...modules, spa];
const app = await buildApp(p, all);
await startApp(app, p, all);
await app.listen({ host: config.host, port: config.port });

const stop = async () => {
  await app.close();
  await p.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
