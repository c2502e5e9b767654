import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** A 1×1 PNG: the server checks the type of an ID card photo by content (magic bytes). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/**
 * Real-name verification (S5.2) of the signed-in person through the API, with the page's session and CSRF token,
 * for journeys whose subject is something else (posting orders needs it). The name and number must be a pair
 * of the identity provider's dataset (TEST_PERSONS in server/src/modules/identity/provider.ts), which approves
 * at once; one number verifies only one account per platform instance, so each journey of a spec file uses a
 * number no other journey of that file uses. Does nothing when the account is verified already.
 */
export async function verifyPersonByApi(page: Page, name: string, idNumber: string): Promise<void> {
  const csrf = decodeURIComponent((await page.context().cookies()).find((c) => c.name === 'dingban_csrf')?.value ?? '');
  const headers = { 'x-csrf-token': csrf };
  const me = await page.request.get('/api/v1/identity/me');
  assert.equal(me.status(), 200, await me.text());
  if (((await me.json()) as { verified: boolean }).verified) return;
  const files: Record<string, string> = {};
  for (const purpose of ['id_front', 'id_back']) {
    const r = await page.request.post(`/api/v1/identity/files?purpose=${purpose}`, {
      headers,
      multipart: { file: { name: `${purpose}.png`, mimeType: 'image/png', buffer: PNG } },
    });
    assert.equal(r.status(), 201, await r.text());
    files[purpose] = ((await r.json()) as { id: string }).id;
  }
  const v = await page.request.post('/api/v1/identity/verifications/person', {
    headers,
    data: { name, idNumber, idFrontFileId: files.id_front, idBackFileId: files.id_back },
  });
  assert.equal(v.status(), 201, await v.text());
  assert.equal(((await v.json()) as { status: string }).status, 'approved', 'a pair of the provider’s dataset is approved at once');
}
