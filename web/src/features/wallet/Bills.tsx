import { useCallback, useEffect, useState } from 'react';
import {
  Alert,
  App as AntApp,
  Button,
  DatePicker,
  Drawer,
  Empty,
  Input,
  List,
  Modal,
  Radio,
  Space,
  Tag,
  Typography,
  Upload,
  type UploadFile,
} from 'antd';
import { PaperClipOutlined, UploadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api, call, uploadFile, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { yuan } from './money.ts';

type Statement = ResponseOf<'/api/v1/wallet/statements', 'get'>['items'][number];
type Detail = ResponseOf<'/api/v1/wallet/statements/{id}', 'get'>;
type Line = Detail['lines'][number];
type Appeal = ResponseOf<'/api/v1/wallet/appeals', 'get'>['items'][number];
type Attachment = ResponseOf<'/api/v1/wallet/appeal-attachments', 'post'>;

/** Evidence for an appeal, checked again by the server by content: JPEG, PNG or PDF, ≤ 2 MB, ≤ 5. */
const ATTACH_ACCEPT = 'image/jpeg,image/png,application/pdf';
const MAX_ATTACHMENTS = 5;

/** Links to an appeal's attachments (the appellant and finance may open them). */
export function AppealAttachments({ appeal }: { appeal: Pick<Appeal, 'id' | 'attachments'> }) {
  const { t } = useI18n();
  if (!appeal.attachments.length) return null;
  return (
    <Space wrap size={4} data-testid="appeal-attachments">
      {appeal.attachments.map((a, i) => (
        <a
          key={a.id}
          href={`/api/v1/wallet/appeals/${encodeURIComponent(appeal.id)}/attachments/${encodeURIComponent(a.id)}`}
          target="_blank"
          rel="noreferrer"
        >
          <PaperClipOutlined /> {t('bills.attachmentN', { n: i + 1 })} (
          {a.mime === 'application/pdf' ? 'PDF' : a.mime.slice(6).toUpperCase()})
        </a>
      ))}
    </Space>
  );
}

const APPEAL_COLOR: Record<Appeal['status'], string> = { open: 'blue', accepted: 'green', rejected: 'default' };

/** Bills (S5.9c): monthly statements (and daily ones on request), lines, CSV/XLSX download, appeal a line. */
export function Bills() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [type, setType] = useState<'monthly' | 'daily'>('monthly');
  const [items, setItems] = useState<Statement[]>([]);
  const [appeals, setAppeals] = useState<Appeal[]>([]);
  const [loading, setLoading] = useState(false);
  const [period, setPeriod] = useState<Dayjs | null>(null);
  const [open, setOpen] = useState<string>();

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setItems((await call(api.GET('/api/v1/wallet/statements', { params: { query: { type } } }))).items);
      setAppeals((await call(api.GET('/api/v1/wallet/appeals'))).items);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setLoading(false);
    }
  }, [type, message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  const generate = async () => {
    if (!period) return;
    try {
      const s = await call(
        api.POST('/api/v1/wallet/statements', {
          body: { type, period: period.format(type === 'monthly' ? 'YYYY-MM' : 'YYYY-MM-DD') },
        }),
      );
      await load();
      setOpen(s.id);
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <Radio.Group
          value={type}
          onChange={(e) => {
            setType(e.target.value as 'monthly' | 'daily');
            setPeriod(null);
          }}
          optionType="button"
          options={[
            { value: 'monthly', label: t('bills.monthly') },
            { value: 'daily', label: t('bills.daily') },
          ]}
        />
        <Space.Compact>
          <DatePicker picker={type === 'monthly' ? 'month' : 'date'} value={period} onChange={setPeriod} />
          <Button disabled={!period} onClick={() => void generate()}>
            {t('bills.get')}
          </Button>
        </Space.Compact>
      </Space>
      <List
        loading={loading}
        dataSource={items}
        locale={{ emptyText: <Empty description={t('bills.none')} /> }}
        renderItem={(s) => (
          <List.Item data-testid="bill" onClick={() => setOpen(s.id)} style={{ cursor: 'pointer' }}>
            <List.Item.Meta
              title={s.period}
              description={t('bills.summary', { in: yuan(s.inFen), out: yuan(s.outFen), fees: yuan(s.feesFen), n: s.lineCount })}
            />
            <div style={{ textAlign: 'right' }}>
              <div style={{ fontWeight: 600 }}>¥{yuan(s.closingFen)}</div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('bills.closing')}
              </Typography.Text>
            </div>
          </List.Item>
        )}
      />
      {appeals.length > 0 && (
        <>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('bills.myAppeals')}
          </Typography.Title>
          <List
            dataSource={appeals}
            renderItem={(a) => (
              <List.Item data-testid="appeal">
                <List.Item.Meta
                  title={
                    <Space>
                      ¥{yuan(a.lineAmountFen)}
                      <Tag color={APPEAL_COLOR[a.status]}>{t(`bills.appeal.${a.status}` as MessageKey)}</Tag>
                    </Space>
                  }
                  description={
                    <>
                      <div>{a.reason}</div>
                      <AppealAttachments appeal={a} />
                      {a.decisionNote && <div>{t('bills.answer', { note: a.decisionNote })}</div>}
                      {a.adjustmentFen !== null && <div>{t('bills.adjusted', { v: yuan(a.adjustmentFen) })}</div>}
                    </>
                  }
                />
              </List.Item>
            )}
          />
        </>
      )}
      {open && <StatementDrawer id={open} onClose={() => setOpen(undefined)} onAppealed={() => void load()} />}
    </>
  );
}

function StatementDrawer({ id, onClose, onAppealed }: { id: string; onClose: () => void; onAppealed: () => void }) {
  const { t, errorText, formatTime } = useI18n();
  const [detail, setDetail] = useState<Detail>();
  const [error, setError] = useState<string>();
  const [appealing, setAppealing] = useState<Line>();
  useEffect(() => {
    void call(api.GET('/api/v1/wallet/statements/{id}', { params: { path: { id } } })).then(setDetail, (err: unknown) =>
      setError(errorText(err)),
    );
  }, [id, errorText]);
  const href = (format: 'csv' | 'xlsx' | 'pdf') => `/api/v1/wallet/statements/${encodeURIComponent(id)}/download?format=${format}`;
  return (
    <Drawer open placement="bottom" size="large" onClose={onClose} title={detail ? t('bills.title', { period: detail.period }) : ''}>
      {error && <Alert type="error" title={error} />}
      {detail && (
        <>
          <div data-testid="bill-detail">
            {t('bills.openingClosing', { open: yuan(detail.openingFen), close: yuan(detail.closingFen) })}
            <br />
            {t('bills.summary', { in: yuan(detail.inFen), out: yuan(detail.outFen), fees: yuan(detail.feesFen), n: detail.lineCount })}
          </div>
          <Space style={{ margin: '12px 0' }}>
            <Button href={href('csv')} download data-testid="bill-csv">
              {t('bills.downloadCsv')}
            </Button>
            <Button href={href('xlsx')} download>
              {t('bills.downloadXlsx')}
            </Button>
            <Button href={href('pdf')} download data-testid="bill-pdf">
              {t('bills.downloadPdf')}
            </Button>
          </Space>
          <List
            dataSource={detail.lines}
            locale={{ emptyText: <Empty description={t('bills.noLines')} /> }}
            renderItem={(l) => (
              <List.Item
                actions={[
                  <Button key="appeal" size="small" type="link" onClick={() => setAppealing(l)}>
                    {t('bills.appealLine')}
                  </Button>,
                ]}
              >
                <List.Item.Meta title={l.label} description={formatTime(l.at)} />
                <div style={{ textAlign: 'right' }}>
                  <div style={{ fontWeight: 600 }}>
                    {l.amountFen >= 0 ? '+' : ''}
                    {yuan(l.amountFen)}
                  </div>
                  {l.feeFen !== 0 && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('wallet.fee')} {yuan(l.feeFen)}
                    </Typography.Text>
                  )}
                </div>
              </List.Item>
            )}
          />
        </>
      )}
      {appealing && (
        <AppealModal
          line={appealing}
          onClose={() => setAppealing(undefined)}
          onDone={() => {
            setAppealing(undefined);
            onAppealed();
          }}
        />
      )}
    </Drawer>
  );
}

function AppealModal({ line, onClose, onDone }: { line: Line; onClose: () => void; onDone: () => void }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [reason, setReason] = useState('');
  const [files, setFiles] = useState<UploadFile<Attachment>[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const uploading = files.some((f) => f.status === 'uploading');
  const submit = async () => {
    if (!reason.trim()) return setError(t('bills.reasonRequired'));
    setBusy(true);
    setError(undefined);
    try {
      const attachmentIds = files.flatMap((f) => (f.status === 'done' && f.response ? [f.response.id] : []));
      await call(api.POST('/api/v1/wallet/appeals', { body: { lineId: line.id, reason: reason.trim(), attachmentIds } }));
      message.success(t('bills.appealFiled'));
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={t('bills.appealLine')}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={busy}
      okButtonProps={{ disabled: uploading }}
    >
      <p>
        {line.label} · {yuan(line.amountFen)}
      </p>
      <Input.TextArea
        rows={4}
        maxLength={1000}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        placeholder={t('bills.reason')}
      />
      <div style={{ marginTop: 8 }} data-testid="appeal-upload">
        <Upload<Attachment>
          accept={ATTACH_ACCEPT}
          fileList={files}
          maxCount={MAX_ATTACHMENTS}
          onChange={({ fileList }) => setFiles(fileList)}
          customRequest={({ file, onSuccess, onError }) => {
            uploadFile<Attachment>('/api/v1/wallet/appeal-attachments', file as Blob).then(
              (a) => onSuccess?.(a),
              (err: unknown) => {
                message.error(errorText(err));
                onError?.(err as Error);
              },
            );
          }}
        >
          {files.length < MAX_ATTACHMENTS && <Button icon={<UploadOutlined />}>{t('bills.attach')}</Button>}
        </Upload>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('bills.attachHint')}
        </Typography.Text>
      </div>
      {error && <Alert type="error" title={error} style={{ marginTop: 8 }} />}
    </Modal>
  );
}
