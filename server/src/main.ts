import { loadConfig, ConfigError } from './platform/config.ts';
import { createPlatform } from './platform/platform.ts';
import { buildApp, startApp } from './app.ts';
import { startComplaintMailbox } from './modules/orders/index.ts';

/** Entry point: `npm start`. Fails fast on bad configuration; shuts down gracefully on SIGTERM/SIGINT. */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const p = await createPlatform(config);
  const app = await buildApp(p);
  await startApp(app, p);
  await app.listen({ host: config.host, port: config.port });
  // Complaints by e-mail (S5.7d): an inbound SMTP receiver, when a port is configured.
  const mailbox = config.complaintsSmtpPort
    ? await startComplaintMailbox(p, { address: config.complaintsAddress, port: config.complaintsSmtpPort, host: config.host })
    : undefined;
  p.logger.info(`Dingban 顶班 is serving ${config.publicUrl} (API docs at ${config.publicUrl}/docs, database: ${p.database.kind})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    p.logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests and jobs');
    const force = setTimeout(() => process.exit(1), 30_000).unref();
    try {
      await new Promise<void>((r) => (mailbox ? mailbox.close(() => r()) : r()));
      await app.close(); // stops accepting, waits for in-flight requests (SSE streams end via onClose hooks)
      await p.close(); // jobs finish, pools close
    } finally {
      clearTimeout(force);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

await main();
