import { useCallback, useEffect, useState } from 'react';
import { App as AntApp, Button, Card, Empty, Form, Input, InputNumber, List, Modal, Select, Space, Tag } from 'antd';
import { EnvironmentOutlined, PlusOutlined } from '@ant-design/icons';
import { api, call, type BodyOf, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { StorePhotoManager } from './StorePhotos.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import { RegionPicker } from './RegionPicker.tsx';
import { locate } from '../orders/format.ts';
import { RatingLink } from '../orders/Ratings.tsx';

type Store = ResponseOf<'/api/v1/stores', 'get'>['items'][number];
type StoreForm = BodyOf<'/api/v1/stores', 'post'>;

const BRANDS = ['中通', '圆通', '申通', '韵达', '顺丰', '京东', '极兔', '邮政', '菜鸟'];

/** A store owner's parcel stations: list, create, edit (region pickers, map coordinates). */
export function StoresPage() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [items, setItems] = useState<Store[]>();
  const [editing, setEditing] = useState<Store | 'new' | null>(null);

  const load = useCallback(async () => {
    try {
      setItems((await call(api.GET('/api/v1/stores'))).items);
    } catch (err) {
      message.error(errorText(err));
    }
  }, [message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <>
      <PageHeader
        title={t('stores.title')}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="store-new">
            {t('stores.new')}
          </Button>
        }
      />
      <List
        loading={items === undefined}
        dataSource={items ?? []}
        locale={{ emptyText: <Empty description={t('stores.empty')} /> }}
        renderItem={(s) => (
          <Card size="small" style={{ marginBottom: 8 }} data-testid="store-card">
            <div style={{ fontWeight: 600 }}>{s.name}</div>
            <div style={{ color: '#64748b', fontSize: 13 }}>
              <EnvironmentOutlined /> {s.regionName} {s.address}
            </div>
            <div style={{ marginTop: 4 }}>
              {s.brands.map((b) => (
                <Tag key={b}>{b}</Tag>
              ))}
              <span style={{ color: '#64748b', fontSize: 13 }}>{s.contactPhoneMasked}</span>
            </div>
            <div style={{ marginTop: 4, fontSize: 13 }}>
              {t('orders.storeRating')}:{' '}
              <RatingLink kind="store" id={s.id} title={`${t('orders.storeReviews')} · ${s.name}`} testId="store-card-rating" />
            </div>
            <StorePhotoManager storeId={s.id} photos={s.photos} onChanged={() => void load()} />
            <Space style={{ marginTop: 8 }}>
              <Button size="small" onClick={() => setEditing(s)}>
                {t('stores.edit')}
              </Button>
              <Button size="small" type="link" href={`/orders/new?store=${s.id}`}>
                {t('orders.post')}
              </Button>
            </Space>
          </Card>
        )}
      />
      {editing && (
        <StoreEditor
          store={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            message.success(t('common.saved'));
            void load();
          }}
        />
      )}
    </>
  );
}

function StoreEditor({ store, onClose, onSaved }: { store: Store | null; onClose: () => void; onSaved: () => void }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<StoreForm>();
  const [saving, setSaving] = useState(false);

  const save = async (v: StoreForm) => {
    setSaving(true);
    try {
      if (store) await call(api.PATCH('/api/v1/stores/{id}', { params: { path: { id: store.id } }, body: v }));
      else await call(api.POST('/api/v1/stores', { body: v }));
      onSaved();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };
  const here = async () => {
    const pos = await locate();
    if (pos) form.setFieldsValue(pos);
    else message.warning(t('orders.locateFailed'));
  };

  return (
    <Modal open title={store ? t('stores.edit') : t('stores.new')} onCancel={onClose} footer={null} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={store ?? { brands: [] }} onFinish={(v) => void save(v)} data-testid="store-form">
        <Form.Item name="name" label={t('stores.name')} rules={[{ required: true }]}>
          <Input maxLength={100} placeholder="菜鸟驿站（南山科技园店）" />
        </Form.Item>
        <Form.Item name="brands" label={t('stores.brands')}>
          <Select mode="tags" options={BRANDS.map((b) => ({ value: b }))} />
        </Form.Item>
        <Form.Item name="regionCode" label={t('stores.region')} rules={[{ required: true, message: t('stores.regionRequired') }]}>
          <RegionPicker />
        </Form.Item>
        <Form.Item name="address" label={t('stores.address')} rules={[{ required: true }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item label={t('stores.coords')} extra={t('stores.coordsHint')} required>
          <Space.Compact block>
            <Form.Item name="lat" noStyle rules={[{ required: true }]}>
              <InputNumber placeholder={t('stores.lat')} min={-90} max={90} step={0.000001} style={{ width: '40%' }} />
            </Form.Item>
            <Form.Item name="lng" noStyle rules={[{ required: true }]}>
              <InputNumber placeholder={t('stores.lng')} min={-180} max={180} step={0.000001} style={{ width: '40%' }} />
            </Form.Item>
            <Button
              icon={<EnvironmentOutlined />}
              onClick={() => void here()}
              style={{ width: '20%' }}
              aria-label={t('orders.useMyLocation')}
            />
          </Space.Compact>
        </Form.Item>
        <Form.Item
          name="contactPhone"
          label={t('stores.phone')}
          rules={[{ required: !store }]}
          extra={store ? t('stores.phoneKeep') : undefined}
        >
          <Input inputMode="tel" maxLength={20} placeholder={store?.contactPhoneMasked} />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={saving}>
          {t('common.save')}
        </Button>
      </Form>
    </Modal>
  );
}
