import { ApiError, CSRF_COOKIE, readCookie, type Problem } from '../../api/client.ts';
import { currentLocale } from '../../app/locale-store.ts';

export type Purpose = 'id_front' | 'id_back' | 'business_license';
export interface UploadedFile {
  id: string;
  purpose: Purpose;
  mime: string;
  sizeBytes: number;
}

/** Accepted by the server (checked there by content): JPEG, PNG, PDF up to 5 MB. */
export const ACCEPT = 'image/jpeg,image/png,application/pdf';
export const MAX_BYTES = 5 * 1024 * 1024;

/**
 * Uploads one identity document with XMLHttpRequest (fetch has no upload progress), echoing the CSRF
 * cookie like the API client does. Rejects with an ApiError holding the server's (localized) problem.
 */
export function uploadIdentityFile(file: File, purpose: Purpose, onProgress: (percent: number) => void): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/identity/files?purpose=${purpose}`);
    xhr.setRequestHeader('accept-language', currentLocale());
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((100 * e.loaded) / e.total));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as UploadedFile);
      else {
        const p = (body ?? {}) as Partial<Problem>;
        reject(
          new ApiError({
            ...p,
            status: xhr.status,
            code: p.code ?? `HTTP_${xhr.status}`,
            detail: p.detail ?? `${xhr.status} ${xhr.statusText}`,
          }),
        );
      }
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'NETWORK', detail: '' }));
    const form = new FormData();
    form.append('file', file);
    xhr.send(form);
  });
}
