import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, App as AntApp, Button, Card, DatePicker, Form, Input, InputNumber, Select } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import { useOrderTypes } from './useOrderTypes.ts';
import { yuan } from './format.ts';

type Store = ResponseOf<'/api/v1/stores', 'get'>['items'][number];
type Rules = ResponseOf<'/api/v1/orders/rules', 'get'>;
type Identity = ResponseOf<'/api/v1/identity/me', 'get'>;
interface PostForm {
  storeId: string;
  typeCode: string;
  startsAt: Dayjs;
  endsAt: Dayjs;
  pay: number;
  description?: string;
  minCertLevel?: 'bronze' | 'silver' | 'gold';
  brands?: string[];
}

/**
 * Post a shift order (S5.5a). The server validates; its messages are shown as they come. Posting needs an
 * approved real-name verification (S5.2): an unverified owner is told so up front, with the way to verify.
 */
export function PostOrderPage() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { types, typeName } = useOrderTypes();
  const [stores, setStores] = useState<Store[]>();
  const [rules, setRules] = useState<Rules>();
  const [identity, setIdentity] = useState<Identity>();
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<PostForm>();

  useEffect(() => {
    void call(api.GET('/api/v1/stores')).then((r) => {
      setStores(r.items);
      const pre = params.get('store') ?? (r.items.length === 1 ? r.items[0]!.id : undefined);
      if (pre) form.setFieldsValue({ storeId: pre });
    });
    void call(api.GET('/api/v1/orders/rules')).then(setRules);
    // Only a hint: when it cannot be read, the server's refusal at submit still says what to do.
    void call(api.GET('/api/v1/identity/me')).then(setIdentity, () => undefined);
  }, [form, params]);
  const unverified = identity?.verified === false;

  const submit = async (v: PostForm) => {
    setSaving(true);
    try {
      const o = await call(
        api.POST('/api/v1/orders', {
          body: {
            storeId: v.storeId,
            typeCode: v.typeCode,
            startsAt: v.startsAt.toISOString(),
            endsAt: v.endsAt.toISOString(),
            payFen: Math.round(v.pay * 100),
            ...(v.description?.trim() ? { description: v.description.trim() } : {}),
            ...(v.minCertLevel ? { minCertLevel: v.minCertLevel } : {}),
            ...(v.brands?.length ? { brands: v.brands } : {}),
          },
        }),
      );
      navigate(`/orders/${o.id}`);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <PageHeader title={t('orders.post')} />
      {stores?.length === 0 && (
        <Alert type="info" showIcon title={t('orders.needStore')} action={<Button href="/stores">{t('stores.title')}</Button>} />
      )}
      {unverified && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="post-needs-verification"
          title={t(identity?.reason === 'expired' ? 'orders.postVerificationExpired' : 'orders.postNeedsVerification')}
          description={t('orders.postVerificationHint')}
          action={
            <Link to="/me/verification" data-testid="post-to-verification">
              <Button type="primary">{t('orders.toVerification')}</Button>
            </Link>
          }
        />
      )}
      {rules && (
        <Alert
          type="info"
          style={{ marginBottom: 12 }}
          title={t('orders.rulesHint', {
            hourly: yuan(rules.minHourlyPayFen),
            min: rules.minShiftMinutes / 60,
            max: rules.maxShiftMinutes / 60,
            pay: rules.payWindowMinutes,
          })}
        />
      )}
      <Card>
        <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="post-form">
          <Form.Item name="storeId" label={t('orders.store')} rules={[{ required: true }]}>
            <Select options={(stores ?? []).map((s) => ({ value: s.id, label: s.name }))} data-testid="post-store" />
          </Form.Item>
          <Form.Item name="typeCode" label={t('orders.type')} rules={[{ required: true }]}>
            <Select
              data-testid="post-type"
              options={types.filter((x) => x.active).map((x) => ({ value: x.code, label: typeName(x.code) }))}
            />
          </Form.Item>
          <Form.Item name="startsAt" label={t('orders.startsAt')} rules={[{ required: true }]}>
            <DatePicker showTime={{ format: 'HH:mm', minuteStep: 15 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="endsAt" label={t('orders.endsAt')} rules={[{ required: true }]}>
            <DatePicker showTime={{ format: 'HH:mm', minuteStep: 15 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="pay" label={t('orders.payTotal')} rules={[{ required: true }]}>
            <InputNumber min={0} precision={2} prefix="¥" style={{ width: '100%' }} data-testid="post-pay" />
          </Form.Item>
          <Form.Item label={t('orders.headcount')}>
            <span data-testid="post-headcount">{t('orders.headcountOne')}</span>
          </Form.Item>
          <Form.Item name="minCertLevel" label={t('orders.minCert')}>
            <Select allowClear options={(['bronze', 'silver', 'gold'] as const).map((l) => ({ value: l, label: t(`orders.cert.${l}`) }))} />
          </Form.Item>
          <Form.Item name="brands" label={t('stores.brands')}>
            <Select mode="tags" />
          </Form.Item>
          <Form.Item name="description" label={t('orders.description')}>
            <Input.TextArea maxLength={500} rows={3} />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={saving} disabled={unverified} data-testid="post-submit">
            {t('orders.postSubmit')}
          </Button>
        </Form>
      </Card>
    </>
  );
}
