import Fastify from 'fastify';

/** The reference: a bare Fastify hello-world on the same machine, measured in the same run. */
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const port = Number(process.argv[2] ?? 0);
await app.listen({ host: '127.0.0.1', port });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
