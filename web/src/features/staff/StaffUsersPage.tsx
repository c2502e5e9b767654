import { useCallback, useEffect, useState } from 'react';
import { Alert, App as AntApp, Button, Form, Input, Modal, QRCode, Select, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';

type Staff = ResponseOf<'/api/v1/staff/users', 'get'>['items'][number];
type Created = ResponseOf<'/api/v1/staff/users', 'post'>;
type Role = 'admin' | 'reviewer' | 'finance' | 'support' | 'risk' | 'ops' | 'trainer';
const ROLES: Role[] = ['admin', 'reviewer', 'finance', 'support', 'risk', 'ops', 'trainer'];

/** Admin: staff accounts and their roles (S6.1). Staff never self-register. */
export function StaffUsersPage() {
  const { t, errorText, formatTime, roleName } = useI18n();
  const roleOptions = ROLES.map((r) => ({ value: r, label: roleName(r) }));
  const { message } = AntApp.useApp();
  const [items, setItems] = useState<Staff[]>();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created>();
  const [editing, setEditing] = useState<Staff>();
  const [roles, setRoles] = useState<Role[]>([]);
  const [form] = Form.useForm<{ identifier: string; displayName: string; roles: Role[] }>();

  const load = useCallback(async () => {
    try {
      setItems((await call(api.GET('/api/v1/staff/users'))).items);
    } catch (err) {
      message.error(errorText(err));
    }
  }, [message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async () => {
    const f = await form.validateFields();
    try {
      setCreated(
        await call(
          api.POST('/api/v1/staff/users', { body: { identifier: f.identifier.trim(), displayName: f.displayName.trim(), roles: f.roles } }),
        ),
      );
      setCreating(false);
      form.resetFields();
      await load();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const saveRoles = async () => {
    if (!editing) return;
    try {
      await call(api.PUT('/api/v1/staff/users/{id}/roles', { params: { path: { id: editing.id } }, body: { roles } }));
      message.success(t('common.saved'));
      setEditing(undefined);
      await load();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <>
      <PageHeader
        title={t('staff.users')}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('staff.create')}
          </Button>
        }
      />
      <Table<Staff>
        rowKey="id"
        loading={!items}
        dataSource={items ?? []}
        pagination={{ pageSize: 20 }}
        columns={[
          { title: t('auth.displayName'), dataIndex: 'displayName' },
          { title: t('me.email'), dataIndex: 'email', render: (v: string | null) => v ?? '—' },
          { title: t('me.phone'), dataIndex: 'phone', render: (v: string | null) => v ?? '—' },
          { title: t('staff.roles'), dataIndex: 'roles', render: (rs: string[]) => rs.map((r) => <Tag key={r}>{roleName(r)}</Tag>) },
          { title: t('me.createdAt'), dataIndex: 'createdAt', render: (v: string) => formatTime(v) },
          {
            title: '',
            key: 'act',
            render: (_v, s) => (
              <Button
                size="small"
                onClick={() => {
                  setEditing(s);
                  setRoles(s.roles as Role[]);
                }}
              >
                {t('staff.editRoles')}
              </Button>
            ),
          },
        ]}
      />
      <Modal open={creating} title={t('staff.create')} onOk={create} onCancel={() => setCreating(false)} okText={t('common.submit')}>
        <Form form={form} layout="vertical" initialValues={{ roles: ['support'] }}>
          <Form.Item
            name="identifier"
            label={`${t('me.email')} / ${t('me.phone')}`}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name="displayName" label={t('auth.displayName')} rules={[{ required: true, message: t('common.required') }]}>
            <Input />
          </Form.Item>
          <Form.Item name="roles" label={t('staff.roles')} rules={[{ required: true, message: t('common.required') }]}>
            <Select mode="multiple" options={roleOptions} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={!!editing}
        title={`${t('staff.editRoles')} · ${editing?.displayName ?? ''}`}
        onOk={saveRoles}
        onCancel={() => setEditing(undefined)}
      >
        <Select mode="multiple" style={{ width: '100%' }} value={roles} onChange={setRoles} options={roleOptions} />
      </Modal>
      <Modal
        open={!!created}
        title={t('staff.create')}
        footer={<Button onClick={() => setCreated(undefined)}>{t('common.confirm')}</Button>}
        onCancel={() => setCreated(undefined)}
      >
        {created && (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Alert type="warning" showIcon title={t('staff.created')} />
            <Typography.Text>
              {t('auth.password')}:{' '}
              <Typography.Text code copyable>
                {created.initialPassword}
              </Typography.Text>
            </Typography.Text>
            <Typography.Text>{t('me.totpHint')}</Typography.Text>
            <QRCode value={created.otpauthUri} />
            <Typography.Text>
              {t('me.totpSecret')}:{' '}
              <Typography.Text code copyable>
                {created.totpSecret}
              </Typography.Text>
            </Typography.Text>
          </Space>
        )}
      </Modal>
    </>
  );
}
