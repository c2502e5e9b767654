import { useCallback, useEffect, useState } from 'react';
import { App as AntApp, Button, List, Popconfirm, Space, Tag, Typography } from 'antd';
import { DesktopOutlined, MobileOutlined } from '@ant-design/icons';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';

type Sessions = ResponseOf<'/api/v1/me/sessions', 'get'>;
type SessionView = Sessions['items'][number];

const isPhone = (ua: string | null | undefined) => !!ua && /Mobile|Android|iPhone|iPad|HarmonyOS/i.test(ua);

/** "Chrome · Android" from a user-agent string; enough to recognise one's own devices. */
export function describeAgent(ua: string | null | undefined): string {
  if (!ua) return '—';
  const browser = (
    [
      [/MicroMessenger/i, 'WeChat'],
      [/AlipayClient/i, 'Alipay'],
      [/Edg\//, 'Edge'],
      [/OPR\//, 'Opera'],
      [/HuaweiBrowser/i, 'Huawei Browser'],
      [/MiuiBrowser/i, 'Xiaomi Browser'],
      [/UCBrowser/i, 'UC'],
      [/QQBrowser/i, 'QQ Browser'],
      [/Firefox\//, 'Firefox'],
      [/Chrome\/|CriOS\//, 'Chrome'],
      [/Safari\//, 'Safari'],
    ] as const
  ).find(([re]) => re.test(ua))?.[1];
  const os = (
    [
      [/HarmonyOS/i, 'HarmonyOS'],
      [/iPhone|iPad|iPod/, 'iOS'],
      [/Android/, 'Android'],
      [/Windows/, 'Windows'],
      [/Mac OS X|Macintosh/, 'macOS'],
      [/CrOS/, 'ChromeOS'],
      [/Linux/, 'Linux'],
    ] as const
  ).find(([re]) => re.test(ua))?.[1];
  return browser || os ? [browser, os].filter(Boolean).join(' · ') : ua.slice(0, 40);
}

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
                <Typography.Text ellipsis style={{ maxWidth: 260 }} title={s.userAgent ?? undefined}>
                  {describeAgent(s.userAgent)}
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
