import { useCallback, useEffect, useState } from 'react';
import { App as AntApp, Button, List, Popconfirm, Space, Tag, Typography } from 'antd';
import { DesktopOutlined, MobileOutlined } from '@ant-design/icons';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';

type Sessions = ResponseOf<'/api/v1/me/sessions', 'get'>;
type SessionView = Sessions['items'][number];

const isPhone = (ua: string | null | undefined) => !!ua && /Mobile|Android|iPhone|iPad/i.test(ua);

/** The devices signed in to this account, each with an "end" button. */
export function SessionsList() {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [items, setItems] = useState<SessionView[]>();

  const load = useCallback(async () => {
    try {
      setItems((await call(api.GET('/api/v1/me/sessions'))).items);
    } catch (err) {
      message.error(errorText(err));
    }
  }, [message, errorText]);

  useEffect(() => {
    void load();
  }, [load]);

  const end = async (id: string) => {
    try {
      await call(api.DELETE('/api/v1/me/sessions/{id}', { params: { path: { id } } }));
      message.success(t('me.ended'));
      await load();
    } catch (err) {
      message.error(errorText(err));
    }
  };
  const endOthers = async () => {
    try {
      await call(api.DELETE('/api/v1/me/sessions'));
      message.success(t('me.ended'));
      await load();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <>
      <List<SessionView>
        loading={!items}
        dataSource={items ?? []}
        data-testid="sessions"
        renderItem={(s) => (
          <List.Item
            actions={
              s.current
                ? [
                    <Tag key="cur" color="green">
                      {t('me.thisDevice')}
                    </Tag>,
                  ]
                : [
                    <Popconfirm key="end" title={t('me.end')} onConfirm={() => end(s.id)}>
                      <Button size="small" danger>
                        {t('me.end')}
                      </Button>
                    </Popconfirm>,
                  ]
            }
          >
            <List.Item.Meta
              avatar={isPhone(s.userAgent) ? <MobileOutlined style={{ fontSize: 22 }} /> : <DesktopOutlined style={{ fontSize: 22 }} />}
              title={
                <Typography.Text ellipsis style={{ maxWidth: 260 }}>
                  {s.userAgent ?? '—'}
                </Typography.Text>
              }
              description={
                <Space size={4} orientation="vertical">
                  <span>
                    {t('me.lastSeen')}: {formatTime(s.lastSeenAt)}
                  </span>
                  {s.ip && (
                    <span>
                      {t('me.ip')}: {s.ip}
                    </span>
                  )}
                </Space>
              }
            />
          </List.Item>
        )}
      />
      {(items?.length ?? 0) > 1 && (
        <Popconfirm title={t('me.endOthers')} onConfirm={endOthers}>
          <Button danger style={{ marginTop: 8 }}>
            {t('me.endOthers')}
          </Button>
        </Popconfirm>
      )}
    </>
  );
}
