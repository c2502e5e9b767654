// The platform exactly as `node server/src/main.ts` runs it, plus one test-only aid: a loopback side
// port that tells the journey the answer of an image captcha. A person reads the picture; a test cannot,
// and the server keeps only a keyed MAC of the answer. With NODE_ENV=test the accounts module keeps the
// plain answers in memory for tests (accounts/captcha.ts `captchaTextForTests`); this exposes them on
// 127.0.0.1:E2E_CAPTCHA_PORT, never on the platform's own port, and only in this test entry point.
import { createServer } from 'node:http';
import { captchaTextForTests } from '../../server/src/modules/accounts/captcha.ts';

const port = Number(process.env.E2E_CAPTCHA_PORT);
if (process.env.NODE_ENV !== 'test' || !port) throw new Error('server-entry.ts is for e2e tests only (NODE_ENV=test, E2E_CAPTCHA_PORT)');
createServer((req, res) => {
  const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('id') ?? '';
  const answer = captchaTextForTests.get(id);
  res.writeHead(answer ? 200 : 404, { 'content-type': 'text/plain' }).end(answer ?? '');
})
  .listen(port, '127.0.0.1')
  .unref();

await import('../../server/src/main.ts');
