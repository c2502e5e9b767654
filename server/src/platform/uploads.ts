/**
 * File uploads shared by modules: what a file really is by its first bytes (the client's claimed name and
 * type are ignored), and the single `file` part of a multipart/form-data body.
 */

export type UploadMime = 'image/jpeg' | 'image/png' | 'application/pdf';

/** The type of a file by its magic numbers: JPEG, PNG or PDF; null for anything else. */
export function sniffUpload(bytes: Uint8Array): UploadMime | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 5 && b.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}

/**
 * The bytes of the single `file` part of a multipart/form-data body (read whole by the route's content
 * type parser); null when the body is not such a form or has no file part.
 */
export async function multipartFile(body: unknown, contentType: string | undefined): Promise<Uint8Array | null> {
  if (!Buffer.isBuffer(body) || !contentType?.startsWith('multipart/form-data')) return null;
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    return null;
  }
  const file = form.get('file');
  if (!file || typeof file === 'string') return null;
  return new Uint8Array(await file.arrayBuffer());
}
