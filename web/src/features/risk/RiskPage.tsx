import { useCallback, useEffect, useState } from 'react';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Input,
  Popconfirm,
  Radio,
  Row,
  Space,
  Statistic,
  Table,
  Tabs,
  Tag,
  Typography,
  Upload,
} from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { useSearchParams } from 'react-router';
import { api, ApiError, call, CSRF_COOKIE, readCookie, type Problem, type ResponseOf } from '../../api/client.ts';
import { currentLocale } from '../../app/locale-store.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { yuan } from '../wallet/money.ts';
import { ScoreChart, ThresholdChart } from './ScoreChart.tsx';
import { HoldsQueue } from './HoldsQueue.tsx';
import { PagedTable, usePagedList } from '../../components/PagedTable.tsx';

type Report = ResponseOf<'/api/v1/risk/companies/{creditCode}/check', 'post'>;
type Case = NonNullable<Report['latestCase']>;
type AlertItem = ResponseOf<'/api/v1/risk/alerts', 'get'>['items'][number];
type Thresholds = ResponseOf<'/api/v1/risk/thresholds', 'get'>;
type Watched = ResponseOf<'/api/v1/risk/watched', 'get'>['items'][number];
type Severity = AlertItem['severity'];

const LEVEL_COLOR: Record<string, string> = { high: 'red', medium: 'orange', low: 'green', unknown: 'default' };
const SEVERITY_COLOR: Record<Severity, string> = { urgent: 'red', warning: 'orange', info: 'blue' };

/** Risk console (permission risk:read): company check, batch, alerts, threshold history, watch list (A1–A9). */
export function RiskPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [code, setCode] = useState(params.get('code') ?? '');
  const tab = params.get('tab') ?? 'query';
  const go = (next: string, creditCode?: string) => {
    if (creditCode) setCode(creditCode);
    setParams({ tab: next, ...(creditCode ? { code: creditCode } : {}) });
  };
  return (
    <>
      <PageHeader title={t('risk.title')} />
      <Tabs
        activeKey={tab}
        onChange={(k) => go(k)}
        destroyOnHidden
        items={[
          { key: 'query', label: t('risk.query'), children: <CompanyQuery initial={code} /> },
          { key: 'alerts', label: t('risk.alerts'), children: <AlertsList onOpen={(c) => go('query', c)} /> },
          { key: 'holds', label: t('risk.holds'), children: <HoldsQueue /> },
          { key: 'batch', label: t('risk.batch'), children: <BatchUpload /> },
          { key: 'thresholds', label: t('risk.thresholds'), children: <ThresholdsView /> },
          { key: 'watched', label: t('risk.watched'), children: <WatchedList onOpen={(c) => go('query', c)} /> },
        ]}
      />
    </>
  );
}

function CaseLine({ c }: { c: Case }) {
  const { t } = useI18n();
  return (
    <span>
      {c.caseNo} · {c.filedDate} · ¥{yuan(c.amountFen)} · {c.result === 'lose' ? t('risk.lost') : t('risk.won')}
      {c.result === 'lose' && !c.executed && (
        <Tag color="red" style={{ marginLeft: 4 }}>
          {t('risk.unexecuted')}
        </Tag>
      )}
    </span>
  );
}

function CompanyQuery({ initial }: { initial: string }) {
  const { t, errorText, formatTime } = useI18n();
  const { me } = useSession();
  const { message } = AntApp.useApp();
  const [code, setCode] = useState(initial);
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const canManage = !!me?.permissions.includes('risk:manage');

  const check = useCallback(
    async (creditCode: string, fresh = false) => {
      const c = creditCode.trim().toUpperCase();
      if (!c) return;
      setBusy(true);
      setError(undefined);
      try {
        setReport(
          await call(
            api.POST('/api/v1/risk/companies/{creditCode}/check', {
              params: { path: { creditCode: c }, query: fresh ? { fresh: true } : {} },
            }),
          ),
        );
      } catch (err) {
        setReport(undefined);
        setError(errorText(err));
      } finally {
        setBusy(false);
      }
    },
    [errorText],
  );

  useEffect(() => {
    if (initial) void check(initial);
  }, [initial, check]);

  const watch = async () => {
    if (!report) return;
    try {
      await call(api.POST('/api/v1/risk/watched', { body: { creditCode: report.creditCode } }));
      message.success(t('risk.watchAdded'));
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <>
      <Space.Compact style={{ width: '100%', maxWidth: 560 }}>
        <Input
          placeholder={t('risk.creditCode')}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          onPressEnter={() => void check(code)}
          data-testid="risk-code"
          maxLength={18}
        />
        <Button type="primary" loading={busy} onClick={() => void check(code)}>
          {t('risk.check')}
        </Button>
      </Space.Compact>
      {error && <Alert type="error" title={error} style={{ marginTop: 12 }} data-testid="risk-error" />}
      {report && (
        <Card style={{ marginTop: 12 }} data-testid="risk-report">
          <Row gutter={16}>
            <Col xs={24} md={8}>
              <Statistic
                title={report.companyName}
                value={report.score}
                suffix="/ 100"
                styles={{ content: { color: report.risky ? '#dc2626' : '#16a34a' } }}
              />
              <Space wrap style={{ marginTop: 8 }}>
                <Tag color={LEVEL_COLOR[report.level]}>{t(`risk.level.${report.level}` as MessageKey)}</Tag>
                <Tag>{t('risk.thresholdIs', { v: report.threshold })}</Tag>
                {report.alert && <Tag color={SEVERITY_COLOR[report.alert.severity as Severity] ?? 'default'}>{t('risk.alertRaised')}</Tag>}
              </Space>
              <div style={{ marginTop: 8, color: '#64748b' }}>
                {report.creditCode} · {formatTime(report.checkedAt)}
              </div>
              <Space style={{ marginTop: 8 }}>
                <Button size="small" onClick={() => void check(report.creditCode, true)} loading={busy}>
                  {t('risk.recheck')}
                </Button>
                {canManage && (
                  <Button size="small" onClick={() => void watch()}>
                    {t('risk.watch')}
                  </Button>
                )}
              </Space>
            </Col>
            <Col xs={24} md={16}>
              <Table
                size="small"
                pagination={false}
                rowKey="rule"
                data-testid="risk-deductions"
                dataSource={report.deductions}
                locale={{ emptyText: t('risk.noDeductions') }}
                columns={[
                  { title: t('risk.rule'), dataIndex: 'label' },
                  {
                    title: t('risk.points'),
                    dataIndex: 'points',
                    align: 'right',
                    render: (p: number) => <b style={{ color: '#dc2626' }}>−{p}</b>,
                  },
                ]}
                summary={() => (
                  <Table.Summary.Row>
                    <Table.Summary.Cell index={0}>{t('risk.scoreFormula')}</Table.Summary.Cell>
                    <Table.Summary.Cell index={1} align="right">
                      <b>{report.score}</b>
                      {report.rawScore !== report.score && <span style={{ color: '#64748b' }}> ({report.rawScore})</span>}
                    </Table.Summary.Cell>
                  </Table.Summary.Row>
                )}
              />
            </Col>
          </Row>
          <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginTop: 12 }}>
            <Descriptions.Item label={t('risk.caseCount')}>{report.caseCount}</Descriptions.Item>
            <Descriptions.Item label={t('risk.amount')}>¥{yuan(report.totalAmountFen)}</Descriptions.Item>
            <Descriptions.Item label={t('risk.latestCase')}>
              {report.latestCase ? <CaseLine c={report.latestCase} /> : '—'}
            </Descriptions.Item>
          </Descriptions>
          <Table
            size="small"
            rowKey="caseNo"
            style={{ marginTop: 8 }}
            dataSource={report.cases}
            pagination={report.cases.length > 10 ? { pageSize: 10 } : false}
            columns={[
              { title: t('risk.caseNo'), dataIndex: 'caseNo' },
              { title: t('risk.caseTitle'), dataIndex: 'title' },
              { title: t('risk.filed'), dataIndex: 'filedDate' },
              { title: t('risk.amount'), dataIndex: 'amountFen', align: 'right', render: (f: number) => `¥${yuan(f)}` },
              {
                title: t('risk.result'),
                render: (_: unknown, c: Case) => (
                  <>
                    {c.result === 'lose' ? t('risk.lost') : t('risk.won')}
                    {c.result === 'lose' && (
                      <Tag color={c.executed ? 'default' : 'red'} style={{ marginLeft: 4 }}>
                        {c.executed ? t('risk.executed') : t('risk.unexecuted')}
                      </Tag>
                    )}
                  </>
                ),
              },
            ]}
          />
        </Card>
      )}
    </>
  );
}

function AlertsList({ onOpen }: { onOpen: (creditCode: string) => void }) {
  const { t, formatTime } = useI18n();
  const [severity, setSeverity] = useState<Severity | 'all'>('all');
  const fetchPage = useCallback(
    (after?: string) =>
      call(
        api.GET('/api/v1/risk/alerts', {
          params: { query: { ...(severity === 'all' ? {} : { severity }), ...(after ? { cursor: after } : {}), limit: 20 } },
        }),
      ),
    [severity],
  );
  const list = usePagedList<AlertItem>(fetchPage);

  return (
    <PagedTable<AlertItem, Severity | 'all'>
      list={list}
      loadMoreLabel={t('risk.loadMore')}
      filter={{
        value: severity,
        onChange: setSeverity,
        options: [
          { value: 'all', label: t('risk.all') },
          { value: 'urgent', label: t('risk.severity.urgent') },
          { value: 'warning', label: t('risk.severity.warning') },
          { value: 'info', label: t('risk.severity.info') },
        ],
      }}
      rowKey="id"
      data-testid="risk-alerts"
      onRow={(a) => ({ onClick: () => onOpen(a.creditCode), style: { cursor: 'pointer' } })}
      columns={[
        {
          title: t('risk.severityCol'),
          dataIndex: 'severity',
          render: (s: Severity) => <Tag color={SEVERITY_COLOR[s]}>{t(`risk.severity.${s}` as MessageKey)}</Tag>,
        },
        {
          title: t('risk.company'),
          render: (_: unknown, a: AlertItem) => (
            <>
              <div>{a.companyName}</div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {a.creditCode}
              </Typography.Text>
            </>
          ),
        },
        { title: t('risk.score'), dataIndex: 'score', render: (s: number, a: AlertItem) => `${s} / ${a.threshold}` },
        { title: t('risk.caseCount'), dataIndex: 'caseCount', align: 'right' },
        { title: t('risk.amount'), dataIndex: 'totalAmountFen', align: 'right', render: (f: number) => `¥${yuan(f)}` },
        { title: t('risk.latestCase'), render: (_: unknown, a: AlertItem) => (a.latestCase ? <CaseLine c={a.latestCase} /> : '—') },
        { title: t('risk.at'), dataIndex: 'createdAt', render: (v: string) => formatTime(v) },
      ]}
    />
  );
}

/** CSV of credit codes (first column) → per-code results, downloaded as CSV or XLSX (A2). */
function BatchUpload() {
  const { t, errorText } = useI18n();
  const [file, setFile] = useState<File>();
  const [format, setFormat] = useState<'csv' | 'xlsx'>('csv');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();

  const run = async () => {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      // A text/csv body: openapi-fetch speaks JSON, so this one call goes through fetch with the same headers.
      const res = await fetch(`/api/v1/risk/batch/csv?format=${format}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'text/csv', 'accept-language': currentLocale(), 'x-csrf-token': readCookie(CSRF_COOKIE) ?? '' },
        body: await file.text(),
      });
      if (!res.ok) {
        const problem = (await res
          .json()
          .catch(() => ({ status: res.status, code: `HTTP_${res.status}`, detail: res.statusText }))) as Problem;
        throw new ApiError(problem);
      }
      const blob = await res.blob();
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `risk.${format}`;
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDone(name);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space orientation="vertical" style={{ maxWidth: 560 }}>
      <Typography.Paragraph type="secondary">{t('risk.batchHint')}</Typography.Paragraph>
      <Upload
        accept=".csv,text/csv,text/plain"
        maxCount={1}
        beforeUpload={(f) => {
          setFile(f);
          return false;
        }}
        onRemove={() => setFile(undefined)}
      >
        <Button icon={<UploadOutlined />}>{t('risk.chooseCsv')}</Button>
      </Upload>
      <Radio.Group
        value={format}
        onChange={(e) => setFormat(e.target.value as 'csv' | 'xlsx')}
        options={[
          { value: 'csv', label: 'CSV' },
          { value: 'xlsx', label: 'Excel (XLSX)' },
        ]}
      />
      <Button type="primary" disabled={!file} loading={busy} onClick={() => void run()}>
        {t('risk.runBatch')}
      </Button>
      {error && <Alert type="error" title={error} />}
      {done && <Alert type="success" title={t('risk.batchDone', { name: done })} />}
    </Space>
  );
}

/** Month and day in China time, for the threshold chart's axis. */
const shortDate = (iso: string) =>
  new Intl.DateTimeFormat(currentLocale(), { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit' }).format(new Date(iso));

function ThresholdsView() {
  const { t, errorText, formatTime } = useI18n();
  const [data, setData] = useState<Thresholds>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    void call(api.GET('/api/v1/risk/thresholds')).then(setData, (err: unknown) => setError(errorText(err)));
  }, [errorText]);
  if (error) return <Alert type="error" title={error} />;
  if (!data) return null;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={12}>
        <Card title={t('risk.distribution')}>
          <Space style={{ marginBottom: 8 }} wrap>
            <Tag color="orange">{t('risk.thresholdIs', { v: data.current.value })}</Tag>
            <Tag>{t(data.current.source === 'dynamic' ? 'risk.sourceDynamic' : 'risk.sourceDefault')}</Tag>
            <Tag color="red">{t('risk.urgentBelow', { v: data.urgentBelow })}</Tag>
          </Space>
          {data.distribution.some((n) => n > 0) ? (
            <ScoreChart
              bins={data.distribution}
              threshold={data.current.value}
              urgentBelow={data.urgentBelow}
              label={t('risk.distribution')}
            />
          ) : (
            <Empty description={t('risk.noScores')} />
          )}
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card title={t('risk.thresholdHistory')}>
          {data.history.length > 0 && (
            <ThresholdChart
              points={[...data.history].reverse().map((x) => ({ at: x.computedAt, value: x.value }))}
              urgentBelow={data.urgentBelow}
              label={t('risk.thresholdHistory')}
              formatDate={shortDate}
            />
          )}
          <Table
            size="small"
            rowKey="computedAt"
            dataSource={data.history}
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
            locale={{ emptyText: t('risk.noHistory') }}
            columns={[
              { title: t('risk.at'), dataIndex: 'computedAt', render: (v: string) => formatTime(v) },
              { title: t('risk.threshold'), dataIndex: 'value' },
              { title: t('risk.benchmark'), dataIndex: 'benchmark', render: (v: number | null) => (v === null ? '—' : v.toFixed(1)) },
              { title: t('risk.sample'), dataIndex: 'sampleSize' },
              {
                title: t('risk.source'),
                dataIndex: 'source',
                render: (s: string) => t(s === 'dynamic' ? 'risk.sourceDynamic' : 'risk.sourceDefault'),
              },
            ]}
          />
        </Card>
      </Col>
    </Row>
  );
}

function WatchedList({ onOpen }: { onOpen: (creditCode: string) => void }) {
  const { t, errorText, formatTime } = useI18n();
  const { me } = useSession();
  const { message } = AntApp.useApp();
  const canManage = !!me?.permissions.includes('risk:manage');
  const [items, setItems] = useState<Watched[]>([]);
  const [loading, setLoading] = useState(false);
  const [code, setCode] = useState('');

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setItems((await call(api.GET('/api/v1/risk/watched'))).items);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setLoading(false);
    }
  }, [message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (fn: () => Promise<unknown>, ok?: string) => {
    try {
      await fn();
      if (ok) message.success(ok);
      await load();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <>
      {canManage && (
        <Space wrap style={{ marginBottom: 8 }}>
          <Space.Compact>
            <Input placeholder={t('risk.creditCode')} value={code} onChange={(e) => setCode(e.target.value)} maxLength={18} />
            <Button
              type="primary"
              onClick={() =>
                void act(
                  () => call(api.POST('/api/v1/risk/watched', { body: { creditCode: code.trim().toUpperCase() } })),
                  t('risk.watchAdded'),
                )
              }
            >
              {t('risk.watch')}
            </Button>
          </Space.Compact>
          <Button onClick={() => void act(() => call(api.POST('/api/v1/risk/watched/refresh')), t('risk.refreshed'))}>
            {t('risk.refreshAll')}
          </Button>
        </Space>
      )}
      <Table
        size="small"
        rowKey="creditCode"
        loading={loading}
        dataSource={items}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          {
            title: t('risk.company'),
            render: (_: unknown, w: Watched) => (
              <a onClick={() => onOpen(w.creditCode)}>
                <div>{w.companyName ?? '—'}</div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {w.creditCode}
                </Typography.Text>
              </a>
            ),
          },
          {
            title: t('risk.score'),
            dataIndex: 'score',
            render: (s: number | null, w: Watched) => (w.pending ? <Tag>{t('risk.pending')}</Tag> : (s ?? '—')),
          },
          {
            title: t('risk.levelCol'),
            dataIndex: 'level',
            render: (l: string | null) => (l ? <Tag color={LEVEL_COLOR[l]}>{t(`risk.level.${l}` as MessageKey)}</Tag> : '—'),
          },
          { title: t('risk.caseCount'), dataIndex: 'caseCount', render: (n: number | null) => n ?? '—' },
          { title: t('risk.checkedAt'), dataIndex: 'checkedAt', render: (v: string | null) => formatTime(v) },
          { title: t('risk.source'), dataIndex: 'source' },
          ...(canManage
            ? [
                {
                  title: '',
                  key: 'rm',
                  render: (_: unknown, w: Watched) => (
                    <Popconfirm
                      title={t('risk.unwatch')}
                      onConfirm={() =>
                        void act(() =>
                          call(api.DELETE('/api/v1/risk/watched/{creditCode}', { params: { path: { creditCode: w.creditCode } } })),
                        )
                      }
                    >
                      <Button size="small" danger>
                        {t('risk.unwatch')}
                      </Button>
                    </Popconfirm>
                  ),
                },
              ]
            : []),
        ]}
      />
    </>
  );
}
