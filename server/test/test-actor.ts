/** Test fixtures for the identity and training tests (not imported by production code). */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../src/platform/auth.ts';
import type { Module } from '../src/platform/module.ts';

/**
 * Test-only authentication for the identity and training tests: a request carrying `x-test-actor`
 * (JSON of an Actor without the permission set) is treated as that actor. Registered after every real
 * module so it wins over the accounts module's hook; never part of the production module list.
 */
export const testActorModule: Module = {
  name: 'test-actor',
  register(app) {
    app.addHook('onRequest', async (req) => {
      const raw = req.headers['x-test-actor'];
      if (typeof raw !== 'string') return;
      const a = JSON.parse(raw) as Omit<Actor, 'permissions'> & { permissions: string[] };
      req.actor = { ...a, permissions: new Set(a.permissions) };
    });
  },
};

export interface TestUser {
  userId: string;
  headers: Record<string, string>;
}

export function fakeUser(kind: Actor['kind'], permissions: string[] = []): TestUser {
  const userId = randomUUID();
  const actor = { userId, kind, roles: kind === 'staff' ? ['reviewer'] : [], permissions, sessionId: randomUUID() };
  return { userId, headers: { 'x-test-actor': JSON.stringify(actor) } };
}

/** A multipart/form-data body with one `file` part. */
export function multipart(
  bytes: Buffer,
  filename = 'doc.jpg',
  contentType = 'image/jpeg',
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----dingban' + randomUUID().replaceAll('-', '');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, bytes, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A tiny but real JPEG header followed by filler (content checks look at magic bytes). */
export const jpegBytes = (marker = 'front'): Buffer =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from(`JFIF-${marker}-身份证照片`), Buffer.from([0xff, 0xd9])]);
export const pngBytes = (): Buffer =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-license')]);
export const pdfBytes = (): Buffer => Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n');
