import { useCallback, useEffect, useState } from 'react';
import { App as AntApp, Button, Card, Col, Drawer, Empty, Input, Row, Space, Spin, Table, Tag, Timeline, Typography } from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { STATUS_COLOR, Summary, type Verification } from './VerifyPage.tsx';

type Detail = ResponseOf<'/api/v1/identity/reviews/{id}', 'get'>;

/** Reviewer queue (kyc:review): oldest first; open one to compare the documents, then approve or reject with a reason. */
export function ReviewPage() {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [items, setItems] = useState<Verification[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);

  const load = useCallback(
    async (after?: string) => {
      setLoading(true);
      try {
        const page = await call(
          api.GET('/api/v1/identity/reviews', { params: { query: { limit: 50, ...(after ? { cursor: after } : {}) } } }),
        );
        setItems((prev) => (after ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (err) {
        message.error(errorText(err));
      } finally {
        setLoading(false);
      }
    },
    [message, errorText],
  );
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <>
      <PageHeader title={t('kyc.title')} extra={<Button onClick={() => void load()}>{t('common.refresh')}</Button>} />
      <Table<Verification>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={items}
        pagination={false}
        locale={{ emptyText: t('kyc.empty') }}
        onRow={(r) => ({ onClick: () => setOpenId(r.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('identity.submittedAt'), dataIndex: 'submittedAt', width: 180, render: (v: string) => formatTime(v) },
          { title: t('kyc.kind'), dataIndex: 'kind', width: 100, render: (v: string) => t(`kyc.kind.${v}` as MessageKey) },
          { title: t('identity.name'), dataIndex: 'personName', width: 100 },
          { title: t('identity.idNumber'), dataIndex: 'idNumber', width: 200 },
          { title: t('identity.companyName'), dataIndex: 'companyName', render: (v: string | null) => v ?? '—' },
          {
            title: '',
            width: 90,
            render: (_: unknown, r) => (
              <Button size="small" type="link" data-testid={`review-open-${r.id}`} onClick={() => setOpenId(r.id)}>
                {t('kyc.open')}
              </Button>
            ),
          },
        ]}
      />
      {cursor && (
        <div style={{ textAlign: 'center', marginTop: 12 }}>
          <Button onClick={() => void load(cursor)}>{t('common.more')}</Button>
        </div>
      )}
      <Drawer open={!!openId} width={960} onClose={() => setOpenId(null)} title={t('kyc.detail')} destroyOnHidden>
        {openId && (
          <ReviewDetail
            id={openId}
            onDecided={() => {
              setOpenId(null);
              void load();
            }}
          />
        )}
      </Drawer>
    </>
  );
}

function ReviewDetail({ id, onDecided }: { id: string; onDecided: () => void }) {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call(api.GET('/api/v1/identity/reviews/{id}', { params: { path: { id } } })).then(setDetail, (err) => message.error(errorText(err)));
  }, [id, message, errorText]);

  async function decide(kind: 'approve' | 'reject') {
    setBusy(true);
    try {
      if (kind === 'approve') await call(api.POST('/api/v1/identity/reviews/{id}/approve', { params: { path: { id } } }));
      else await call(api.POST('/api/v1/identity/reviews/{id}/reject', { params: { path: { id } }, body: { reason: reason.trim() } }));
      message.success(t(kind === 'approve' ? 'kyc.approved' : 'kyc.rejected'));
      onDecided();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  if (!detail) return <Spin />;
  const v = detail.verification;
  const docs: [MessageKey, string | null][] = [
    ['identity.idFront', v.idFrontFileId],
    ['identity.idBack', v.idBackFileId],
    ['identity.license', v.licenseFileId],
  ];
  return (
    <>
      <Row gutter={16}>
        <Col span={9}>
          <Summary v={v} />
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('kyc.trail')}
          </Typography.Title>
          <Timeline
            items={detail.audit.map((a, i) => ({
              key: i,
              content: (
                <span>
                  {a.action} · {formatTime(a.at)}
                  {a.reason && <div>{a.reason}</div>}
                </span>
              ),
            }))}
          />
        </Col>
        <Col span={15}>
          <Space orientation="vertical" style={{ width: '100%' }}>
            {docs
              .filter((d): d is [MessageKey, string] => !!d[1])
              .map(([label, fileId]) => (
                <Card key={fileId} size="small" title={t(label)}>
                  <DocumentView fileId={fileId} />
                </Card>
              ))}
          </Space>
        </Col>
      </Row>
      {v.status === 'pending' ? (
        <Space style={{ marginTop: 16 }} wrap>
          <Button type="primary" loading={busy} onClick={() => void decide('approve')} data-testid="kyc-approve">
            {t('kyc.approve')}
          </Button>
          <Input
            placeholder={t('kyc.reason')}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            style={{ width: 360 }}
            maxLength={500}
            data-testid="kyc-reason"
          />
          <Button danger loading={busy} disabled={reason.trim().length < 2} onClick={() => void decide('reject')} data-testid="kyc-reject">
            {t('kyc.reject')}
          </Button>
        </Space>
      ) : (
        <Tag color={STATUS_COLOR[v.status]} style={{ marginTop: 16 }}>
          {t(`identity.status.${v.status}` as MessageKey)}
        </Tag>
      )}
    </>
  );
}

/**
 * One document through the authorised, audited endpoint. Images are shown from a blob URL; a PDF cannot be
 * framed (the API answers with frame-ancestors 'none'), so it opens in a new tab or downloads.
 */
function DocumentView({ fileId }: { fileId: string }) {
  const { t } = useI18n();
  const url = `/api/v1/identity/files/${fileId}/content`;
  const [state, setState] = useState<{ mime: string; blobUrl: string } | 'error' | null>(null);
  useEffect(() => {
    let blobUrl: string | undefined;
    let live = true;
    fetch(url, { credentials: 'same-origin' })
      .then(async (r) => {
        if (!r.ok) throw new Error(String(r.status));
        const blob = await r.blob();
        blobUrl = URL.createObjectURL(blob);
        if (live) setState({ mime: blob.type || r.headers.get('content-type') || '', blobUrl });
      })
      .catch(() => live && setState('error'));
    return () => {
      live = false;
      if (blobUrl) URL.revokeObjectURL(blobUrl);
    };
  }, [url]);
  if (state === null) return <Spin />;
  if (state === 'error') return <Empty description={t('kyc.docError')} />;
  if (state.mime.startsWith('image/'))
    return <img src={state.blobUrl} alt="" data-testid="kyc-doc-image" style={{ maxWidth: '100%', maxHeight: 420, display: 'block' }} />;
  return (
    <Space>
      <Tag>PDF</Tag>
      <a href={url} target="_blank" rel="noreferrer">
        {t('kyc.openPdf')}
      </a>
      <a href={url} download="document.pdf">
        {t('kyc.download')}
      </a>
    </Space>
  );
}
