import { useCallback, useEffect, useState } from 'react';
import { Alert, App as AntApp, Button, Card, DatePicker, Descriptions, Form, Input, Progress, Spin, Tag, Timeline, Typography } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api, call, type BodyOf, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import { useSession } from '../../app/session.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { ACCEPT, MAX_BYTES, uploadIdentityFile, type Purpose } from './upload.ts';

type Mine = ResponseOf<'/api/v1/identity/me', 'get'>;
export type Verification = NonNullable<Mine['current']>;

export const STATUS_COLOR: Record<Verification['status'], string> = {
  pending: 'processing',
  approved: 'success',
  rejected: 'error',
  withdrawn: 'default',
  superseded: 'default',
  expired: 'warning',
};

/** Real-name verification (S5.2a/b/c): current status and history, and the form to (re)submit. */
export function VerifyPage() {
  const { t, errorText } = useI18n();
  const { me } = useSession();
  const [mine, setMine] = useState<Mine | null>(null);
  const [editing, setEditing] = useState(false);
  const { message } = AntApp.useApp();

  const load = useCallback(async () => {
    try {
      setMine(await call(api.GET('/api/v1/identity/me')));
    } catch (err) {
      message.error(errorText(err));
    }
  }, [message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  if (!me || !mine) return <Spin />;
  const current = mine.current;
  const showForm = editing || !current || ['rejected', 'expired', 'withdrawn'].includes(current.status);
  return (
    <>
      <PageHeader title={t('identity.title')} />
      <Card data-testid="identity-status" style={{ marginBottom: 12 }}>
        {mine.verified ? (
          <>
            <Alert type="success" showIcon title={t('identity.verified')} />
            {current?.status === 'approved' && current.validUntil && expiresWithin30Days(current.validUntil) && (
              <Alert
                type="warning"
                showIcon
                style={{ marginTop: 8 }}
                data-testid="identity-expires-soon"
                title={t('identity.expiresSoon', { date: current.validUntil })}
              />
            )}
          </>
        ) : current?.status === 'pending' ? (
          <Alert type="info" showIcon title={t('identity.pending')} />
        ) : current?.status === 'rejected' ? (
          <Alert type="error" showIcon title={t('identity.rejected')} description={current.rejectReason} />
        ) : (
          <Alert type="warning" showIcon title={t(mine.reason === 'expired' ? 'identity.expired' : 'identity.none')} />
        )}
        {current && <Summary v={current} />}
        {current && !showForm && (
          <Button style={{ marginTop: 12 }} onClick={() => setEditing(true)} data-testid="identity-resubmit">
            {t('identity.resubmit')}
          </Button>
        )}
      </Card>
      {showForm && (
        <Card title={t(me.kind === 'enterprise' ? 'identity.enterpriseForm' : 'identity.personForm')} style={{ marginBottom: 12 }}>
          <SubmitForm
            enterprise={me.kind === 'enterprise'}
            onDone={() => {
              setEditing(false);
              void load();
            }}
          />
        </Card>
      )}
      {mine.history.length > 0 && (
        <Card title={t('identity.history')}>
          <Timeline
            items={mine.history.map((v) => ({
              key: v.id,
              content: (
                <div>
                  <Tag color={STATUS_COLOR[v.status]}>{t(`identity.status.${v.status}` as MessageKey)}</Tag>
                  <SubmittedAt v={v} />
                  {v.rejectReason && <div style={{ color: '#b91c1c' }}>{v.rejectReason}</div>}
                </div>
              ),
            }))}
          />
        </Card>
      )}
    </>
  );
}

function SubmittedAt({ v }: { v: Verification }) {
  const { formatTime } = useI18n();
  return <Typography.Text type="secondary">{formatTime(v.submittedAt)}</Typography.Text>;
}

export function Summary({ v }: { v: Verification }) {
  const { t, formatTime } = useI18n();
  return (
    <Descriptions size="small" column={1} style={{ marginTop: 12 }}>
      <Descriptions.Item label={t('identity.statusLabel')}>
        <Tag color={STATUS_COLOR[v.status]} data-testid="identity-status-tag">
          {t(`identity.status.${v.status}` as MessageKey)}
        </Tag>
        {v.decidedBy === 'auto' && <Tag>{t('identity.auto')}</Tag>}
      </Descriptions.Item>
      {v.companyName && <Descriptions.Item label={t('identity.companyName')}>{v.companyName}</Descriptions.Item>}
      {v.creditCode && <Descriptions.Item label={t('identity.creditCode')}>{v.creditCode}</Descriptions.Item>}
      <Descriptions.Item label={t(v.kind === 'enterprise' ? 'identity.legalRepName' : 'identity.name')}>{v.personName}</Descriptions.Item>
      <Descriptions.Item label={t('identity.idNumber')}>{v.idNumber}</Descriptions.Item>
      <Descriptions.Item label={t('identity.validUntil')}>{v.validUntil ?? t('identity.longTerm')}</Descriptions.Item>
      <Descriptions.Item label={t('identity.submittedAt')}>{formatTime(v.submittedAt)}</Descriptions.Item>
      {v.decidedAt && <Descriptions.Item label={t('identity.decidedAt')}>{formatTime(v.decidedAt)}</Descriptions.Item>}
    </Descriptions>
  );
}

interface Values {
  name?: string;
  idNumber?: string;
  idValidUntil?: Dayjs | null;
  companyName?: string;
  creditCode?: string;
  licenseValidUntil?: Dayjs | null;
  idFront?: string;
  idBack?: string;
  license?: string;
}

const day = (d: Dayjs | null | undefined) => (d ? d.format('YYYY-MM-DD') : null);

function SubmitForm({ enterprise, onDone }: { enterprise: boolean; onDone: () => void }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(v: Values) {
    setBusy(true);
    setError(null);
    try {
      if (enterprise) {
        const body: BodyOf<'/api/v1/identity/verifications/enterprise', 'post'> = {
          companyName: v.companyName!.trim(),
          creditCode: v.creditCode!.trim().toUpperCase(),
          licenseValidUntil: day(v.licenseValidUntil),
          licenseFileId: v.license!,
          legalRepName: v.name!.trim(),
          legalRepIdNumber: v.idNumber!.trim().toUpperCase(),
          legalRepIdValidUntil: day(v.idValidUntil),
          legalRepIdFrontFileId: v.idFront!,
          legalRepIdBackFileId: v.idBack!,
        };
        await call(api.POST('/api/v1/identity/verifications/enterprise', { body }));
      } else {
        await call(
          api.POST('/api/v1/identity/verifications/person', {
            body: {
              name: v.name!.trim(),
              idNumber: v.idNumber!.trim().toUpperCase(),
              idValidUntil: day(v.idValidUntil),
              idFrontFileId: v.idFront!,
              idBackFileId: v.idBack!,
            },
          }),
        );
      }
      message.success(t('identity.submitted'));
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const required = [{ required: true, message: t('common.required') }];
  return (
    <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark="optional">
      {enterprise && (
        <>
          <Form.Item name="companyName" label={t('identity.companyName')} rules={required}>
            <Input data-testid="company-name" maxLength={100} />
          </Form.Item>
          <Form.Item name="creditCode" label={t('identity.creditCode')} rules={[...required, { len: 18, message: t('identity.len18') }]}>
            <Input data-testid="credit-code" maxLength={18} />
          </Form.Item>
          <Form.Item name="licenseValidUntil" label={t('identity.licenseValidUntil')} extra={t('identity.longTermHint')}>
            <DatePicker style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="license" label={t('identity.license')} rules={required}>
            <FileField purpose="business_license" testId="upload-license" />
          </Form.Item>
        </>
      )}
      <Form.Item name="name" label={t(enterprise ? 'identity.legalRepName' : 'identity.name')} rules={required}>
        <Input data-testid="real-name" maxLength={40} />
      </Form.Item>
      <Form.Item name="idNumber" label={t('identity.idNumber')} rules={[...required, { len: 18, message: t('identity.len18') }]}>
        <Input data-testid="id-number" maxLength={18} />
      </Form.Item>
      <Form.Item name="idValidUntil" label={t('identity.idValidUntil')} extra={t('identity.longTermHint')}>
        <DatePicker style={{ width: '100%' }} />
      </Form.Item>
      <Form.Item name="idFront" label={t('identity.idFront')} rules={required}>
        <FileField purpose="id_front" testId="upload-id-front" />
      </Form.Item>
      <Form.Item name="idBack" label={t('identity.idBack')} rules={required}>
        <FileField purpose="id_back" testId="upload-id-back" />
      </Form.Item>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="identity-error" />}
      <Button type="primary" htmlType="submit" block loading={busy} data-testid="identity-submit">
        {t('common.submit')}
      </Button>
    </Form>
  );
}

/** A form control whose value is the uploaded file's id; shows the progress and the server's error. */
function FileField({
  purpose,
  testId,
  value,
  onChange,
}: {
  purpose: Purpose;
  testId: string;
  value?: string;
  onChange?: (id?: string) => void;
}) {
  const { t, errorText } = useI18n();
  const [percent, setPercent] = useState<number | null>(null);
  const [name, setName] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function pick(file: File | undefined) {
    if (!file) return;
    setError(null);
    setName(file.name);
    onChange?.(undefined);
    if (file.size > MAX_BYTES) {
      setError(t('identity.tooLarge'));
      return;
    }
    setPercent(0);
    try {
      const up = await uploadIdentityFile(file, purpose, setPercent);
      onChange?.(up.id);
    } catch (err) {
      setError(errorText(err));
      setPercent(null);
    }
  }

  return (
    <div>
      <label className="ant-btn ant-btn-default" style={{ display: 'inline-flex', alignItems: 'center', gap: 6, cursor: 'pointer' }}>
        <UploadOutlined />
        {t('identity.choose')}
        <input
          type="file"
          accept={ACCEPT}
          data-testid={testId}
          style={{ display: 'none' }}
          onChange={(e) => {
            void pick(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
      </label>
      <Typography.Text type="secondary" style={{ marginLeft: 8, fontSize: 12 }}>
        {t('identity.fileHint')}
      </Typography.Text>
      {name && <div style={{ marginTop: 4 }}>{name}</div>}
      {percent !== null && !error && (
        <div data-testid={`${testId}-progress`} data-done={value ? 'true' : 'false'}>
          <Progress percent={value ? 100 : percent} size="small" status={value ? 'success' : 'active'} />
        </div>
      )}
      {error && (
        <Typography.Text type="danger" data-testid={`${testId}-error`}>
          {error}
        </Typography.Text>
      )}
    </div>
  );
}

/** S5.2c: the user is warned 30 days before a document's validity date (the server also notifies once). */
function expiresWithin30Days(validUntil: string): boolean {
  const left = Date.parse(`${validUntil}T23:59:59+08:00`) - Date.now();
  return left > 0 && left <= 30 * 86_400_000;
}
