import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { App as AntApp, Button, Card, Empty, Form, Input, List, Modal, Space, Statistic, Tag, Typography } from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';
import { PageHeader } from '../../app/layouts.tsx';

type Reliability = ResponseOf<'/api/v1/reliability/{kind}/{id}', 'get'>;
type Event = Reliability['events'][number];
interface Subject {
  kind: 'courier' | 'store';
  id: string;
  title: string;
}

/**
 * Reliability (S5.7d): a courier's score (late releases, no-shows, lost disputes, upheld complaints) and each of
 * an owner's stores' scores over the last 90 days, with the events behind them and the published weights. Each
 * event can be appealed once; the appeal becomes a complaint ticket support decides (shown in "my complaints").
 */
export function ReliabilityPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const [subjects, setSubjects] = useState<Subject[]>();
  const perms = new Set<string>(me?.permissions ?? []);
  const courier = perms.has('orders:take');
  const owner = perms.has('orders:post');
  const meId = me?.id;

  useEffect(() => {
    void (async () => {
      const list: Subject[] = [];
      if (courier && meId) list.push({ kind: 'courier', id: meId, title: t('reliability.mine') });
      if (owner) {
        const stores = await call(api.GET('/api/v1/stores')).then(
          (r) => r.items,
          () => [],
        );
        for (const s of stores) list.push({ kind: 'store', id: s.id, title: s.name });
      }
      setSubjects(list);
    })();
  }, [courier, owner, meId, t]);

  return (
    <>
      <PageHeader title={t('reliability.title')} />
      <Typography.Paragraph type="secondary">{t('reliability.intro')}</Typography.Paragraph>
      {subjects?.length === 0 && <Empty />}
      {subjects?.map((s) => (
        <SubjectCard key={`${s.kind}:${s.id}`} subject={s} />
      ))}
    </>
  );
}

function SubjectCard({ subject }: { subject: Subject }) {
  const { t, locale, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [data, setData] = useState<Reliability>();
  const [appealing, setAppealing] = useState<Event>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setData(await call(api.GET('/api/v1/reliability/{kind}/{id}', { params: { path: { kind: subject.kind, id: subject.id } } })));
    } catch (err) {
      message.error(errorText(err));
    }
  }, [subject, message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  const label = (kind: string) => {
    const w = data?.weights.find((x) => x.kind === kind);
    return w ? (locale === 'en-US' ? w.en : w.zh) : kind;
  };
  const appeal = async (v: { text: string }) => {
    if (!appealing) return;
    setBusy(true);
    try {
      const r = await call(api.POST('/api/v1/reliability/events/{id}/appeal', { params: { path: { id: appealing.id } }, body: v }));
      message.success(t('reliability.appealed', { ticket: r.ticketNo }));
      setAppealing(undefined);
      await load();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title={subject.title} style={{ marginBottom: 12 }} data-testid="reliability-card" loading={!data}>
      {data && (
        <>
          <Statistic
            title={t('reliability.score', { days: data.windowDays })}
            value={data.score}
            suffix="/ 100"
            styles={{ content: { color: data.score >= 80 ? '#16a34a' : data.score >= 60 ? '#d97706' : '#dc2626' } }}
          />
          <List<Event>
            size="small"
            dataSource={data.events}
            locale={{ emptyText: t('reliability.noEvents') }}
            renderItem={(e) => (
              <List.Item
                data-testid="reliability-event"
                actions={
                  !e.voided && !e.appealId
                    ? [
                        <Button key="appeal" size="small" onClick={() => setAppealing(e)}>
                          {t('reliability.appeal')}
                        </Button>,
                      ]
                    : []
                }
              >
                <List.Item.Meta
                  title={
                    <Space wrap size={4}>
                      {label(e.kind)}
                      <Tag color={e.voided ? 'default' : 'red'}>{e.voided ? t('reliability.voided') : `−${e.points}`}</Tag>
                      {e.appealId && !e.voided && <Tag color="blue">{t('reliability.underAppeal')}</Tag>}
                    </Space>
                  }
                  description={`${e.orderNo} · ${formatTime(e.at)}`}
                />
              </List.Item>
            )}
          />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('reliability.weights')}: {data.weights.map((w) => `${locale === 'en-US' ? w.en : w.zh} −${w.points}`).join(' · ')}
          </Typography.Text>
        </>
      )}
      <Modal open={!!appealing} title={t('reliability.appeal')} footer={null} onCancel={() => setAppealing(undefined)} destroyOnHidden>
        <Typography.Paragraph type="secondary">
          {t('reliability.appealHint')} <Link to="/complaints">{t('complaints.myTitle')}</Link>
        </Typography.Paragraph>
        <Form layout="vertical" onFinish={(v: { text: string }) => void appeal(v)}>
          <Form.Item name="text" label={t('reliability.appealText')} rules={[{ required: true }]}>
            <Input.TextArea rows={4} maxLength={2000} />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('common.submit')}
          </Button>
        </Form>
      </Modal>
    </Card>
  );
}
