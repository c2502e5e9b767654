import { useEffect, useRef, useState } from 'react';
import { App as AntApp, Button, Image, Space } from 'antd';
import { CameraOutlined, DeleteOutlined } from '@ant-design/icons';
import { api, ApiError, call, CSRF_COOKIE, readCookie, type Problem, type ResponseOf } from '../../api/client.ts';
import { currentLocale } from '../../app/locale-store.ts';
import { useI18n } from '../../app/i18n.tsx';

export type StorePhoto = ResponseOf<'/api/v1/stores/{id}/photos', 'get'>['items'][number];

/** Checked again by the server, by content: JPEG or PNG, at most 2 MB, at most 9 per store. */
const ACCEPT = 'image/jpeg,image/png';
export const MAX_STORE_PHOTOS = 9;

async function uploadStorePhoto(storeId: string, file: File): Promise<StorePhoto> {
  const form = new FormData();
  form.append('file', file);
  const headers: Record<string, string> = { 'accept-language': currentLocale() };
  const csrf = readCookie(CSRF_COOKIE);
  if (csrf) headers['x-csrf-token'] = csrf;
  const r = await fetch(`/api/v1/stores/${storeId}/photos`, { method: 'POST', body: form, headers, credentials: 'same-origin' });
  const body = (await r.json().catch(() => ({}))) as Partial<Problem> & StorePhoto;
  if (!r.ok) throw new ApiError({ ...body, status: r.status, code: body.code ?? `HTTP_${r.status}`, detail: body.detail ?? r.statusText });
  return body;
}

/** A row of store photos; tap one to see it large. With `onRemove`, each has a delete button (the owner). */
export function StorePhotoStrip({ photos, onRemove }: { photos: readonly StorePhoto[]; onRemove?: (id: string) => void }) {
  const { t } = useI18n();
  if (!photos.length) return null;
  return (
    <Image.PreviewGroup>
      <Space wrap size={6} data-testid="store-photos">
        {photos.map((ph) => (
          <div key={ph.id} style={{ position: 'relative' }}>
            <Image
              src={ph.url}
              width={72}
              height={72}
              style={{ objectFit: 'cover', borderRadius: 6 }}
              alt={t('stores.photo')}
              data-testid="store-photo"
            />
            {onRemove && (
              <Button
                size="small"
                shape="circle"
                danger
                icon={<DeleteOutlined />}
                aria-label={t('stores.photoRemove')}
                style={{ position: 'absolute', top: 2, right: 2 }}
                onClick={() => onRemove(ph.id)}
              />
            )}
          </div>
        ))}
      </Space>
    </Image.PreviewGroup>
  );
}

/** The owner's photo manager on a store card: thumbnails with delete, and "add photo" (the server checks the file). */
export function StorePhotoManager({
  storeId,
  photos,
  onChanged,
}: {
  storeId: string;
  photos: readonly StorePhoto[];
  onChanged: () => void;
}) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const add = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    try {
      await uploadStorePhoto(storeId, file);
      onChanged();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };
  const remove = async (photoId: string) => {
    try {
      await call(api.DELETE('/api/v1/stores/{id}/photos/{photoId}', { params: { path: { id: storeId, photoId } } }));
      onChanged();
    } catch (err) {
      message.error(errorText(err));
    }
  };
  return (
    <div style={{ marginTop: 8 }}>
      <StorePhotoStrip photos={photos} onRemove={(id) => void remove(id)} />
      {photos.length < MAX_STORE_PHOTOS && (
        <>
          <input
            ref={input}
            type="file"
            accept={ACCEPT}
            hidden
            data-testid="store-photo-input"
            onChange={(e) => void add(e.target.files?.[0])}
          />
          <Button size="small" icon={<CameraOutlined />} loading={busy} onClick={() => input.current?.click()} style={{ marginTop: 6 }}>
            {t('stores.photoAdd')}
          </Button>
        </>
      )}
    </div>
  );
}

/** A store's photos by its id (order details: couriers see the store they will work at). */
export function StorePhotosById({ storeId }: { storeId: string }) {
  const [photos, setPhotos] = useState<StorePhoto[]>([]);
  useEffect(() => {
    let live = true;
    void call(api.GET('/api/v1/stores/{id}/photos', { params: { path: { id: storeId } } }))
      .then((r) => live && setPhotos(r.items))
      .catch(() => undefined); // photos are decoration: the order page works without them
    return () => {
      live = false;
    };
  }, [storeId]);
  return <StorePhotoStrip photos={photos} />;
}
