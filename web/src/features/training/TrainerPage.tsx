import { useCallback, useEffect, useState } from 'react';
import {
  App as AntApp,
  Button,
  Card,
  Checkbox,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  Tabs,
  Tag,
} from 'antd';
import { api, call, type BodyOf, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { Markdown } from './CoursePage.tsx';

type Course = ResponseOf<'/api/v1/training/admin/courses', 'get'>['items'][number];
type Question = ResponseOf<'/api/v1/training/admin/courses/{id}/questions', 'get'>['items'][number];
type Stage = ResponseOf<'/api/v1/training/admin/stages', 'get'>['items'][number];
type Lesson = ResponseOf<'/api/v1/training/courses/{id}', 'get'>['lessons'][number];
type CourseBody = BodyOf<'/api/v1/training/admin/courses', 'post'>;
type StageBody = BodyOf<'/api/v1/training/admin/stages/{code}', 'put'>;
type Settings = ResponseOf<'/api/v1/training/admin/settings', 'get'>;
type SettingsBody = BodyOf<'/api/v1/training/admin/settings', 'put'>;

/** Trainers (training:manage): courses and exam settings, lessons, the question bank, the stages of the path. */
export function TrainerPage() {
  const { t, locale, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [courses, setCourses] = useState<Course[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const lang = locale === 'en-US' ? 'en' : 'zh';

  const load = useCallback(async () => {
    try {
      setCourses((await call(api.GET('/api/v1/training/admin/courses'))).items);
    } catch (err) {
      message.error(errorText(err));
    }
  }, [message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  const course = courses.find((c) => c.id === selected);
  return (
    <>
      <PageHeader
        title={t('trainer.title')}
        extra={
          <Button type="primary" onClick={() => setCreating(true)} data-testid="course-new">
            {t('trainer.newCourse')}
          </Button>
        }
      />
      <Tabs
        items={[
          {
            key: 'courses',
            label: t('trainer.courses'),
            children: (
              <>
                <Table<Course>
                  rowKey="id"
                  size="small"
                  pagination={false}
                  dataSource={courses}
                  rowSelection={{ type: 'radio', selectedRowKeys: selected ? [selected] : [], onChange: (k) => setSelected(String(k[0])) }}
                  onRow={(r) => ({ onClick: () => setSelected(r.id) })}
                  columns={[
                    { title: t('trainer.code'), dataIndex: 'code', width: 160 },
                    {
                      title: t('training.course'),
                      render: (_: unknown, c) => (
                        <>
                          {c.title[lang]} {c.isRefresher && <Tag color="purple">{t('trainer.refresher')}</Tag>}
                        </>
                      ),
                    },
                    {
                      title: t('trainer.exam'),
                      width: 180,
                      render: (_: unknown, c) => t('trainer.examShort', { n: c.exam.questionCount, m: c.exam.minutes }),
                    },
                    {
                      title: t('trainer.levels'),
                      width: 160,
                      render: (_: unknown, c) => `${c.levels.gold}/${c.levels.silver}/${c.levels.bronze}`,
                    },
                    {
                      title: t('trainer.active'),
                      dataIndex: 'active',
                      width: 80,
                      render: (v: boolean) => <Tag color={v ? 'green' : 'default'}>{v ? '✓' : '—'}</Tag>,
                    },
                  ]}
                />
                {course && <CourseEditor key={course.id} course={course} onSaved={() => void load()} />}
              </>
            ),
          },
          { key: 'stages', label: t('trainer.stages'), children: <StagesEditor courses={courses} /> },
          { key: 'rules', label: <span data-testid="tab-rules">{t('trainer.rules')}</span>, children: <StandingRules /> },
          { key: 'revoke', label: t('trainer.revoke'), children: <RevokeCertificate /> },
        ]}
      />
      <CourseModal
        open={creating}
        onClose={() => setCreating(false)}
        onSaved={(c) => {
          setCreating(false);
          setSelected(c.id);
          void load();
        }}
      />
    </>
  );
}

function CourseModal({ open, onClose, onSaved }: { open: boolean; onClose: () => void; onSaved: (c: Course) => void }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<CourseBody>();
  return (
    <Modal
      open={open}
      title={t('trainer.newCourse')}
      onCancel={onClose}
      onOk={() =>
        form.validateFields().then(async (body) => {
          try {
            onSaved(await call(api.POST('/api/v1/training/admin/courses', { body })));
            form.resetFields();
          } catch (err) {
            message.error(errorText(err));
          }
        })
      }
      destroyOnHidden
    >
      <Form form={form} layout="vertical">
        <Form.Item
          name="code"
          label={t('trainer.code')}
          rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9-]{1,40}$/, message: t('trainer.codeRule') }]}
        >
          <Input />
        </Form.Item>
        <CourseFields />
      </Form>
    </Modal>
  );
}

function CourseFields() {
  const { t } = useI18n();
  return (
    <>
      <Form.Item name="titleZh" label={t('trainer.titleZh')} rules={[{ required: true }]}>
        <Input maxLength={100} />
      </Form.Item>
      <Form.Item name="titleEn" label={t('trainer.titleEn')} rules={[{ required: true }]}>
        <Input maxLength={100} />
      </Form.Item>
      <Form.Item name="summaryZh" label={t('trainer.summaryZh')}>
        <Input.TextArea rows={2} maxLength={2000} />
      </Form.Item>
      <Form.Item name="summaryEn" label={t('trainer.summaryEn')}>
        <Input.TextArea rows={2} maxLength={2000} />
      </Form.Item>
      <Space wrap>
        <Form.Item name="examQuestionCount" label={t('trainer.questionCount')}>
          <InputNumber min={1} max={100} />
        </Form.Item>
        <Form.Item name="examMinutes" label={t('trainer.minutes')}>
          <InputNumber min={1} max={240} />
        </Form.Item>
        <Form.Item name="goldMin" label={t('training.level.gold')}>
          <InputNumber min={1} max={100} />
        </Form.Item>
        <Form.Item name="silverMin" label={t('training.level.silver')}>
          <InputNumber min={1} max={100} />
        </Form.Item>
        <Form.Item name="bronzeMin" label={t('training.level.bronze')}>
          <InputNumber min={1} max={100} />
        </Form.Item>
        <Form.Item name="certificateValidDays" label={t('trainer.validDays')}>
          <InputNumber min={1} max={3650} />
        </Form.Item>
      </Space>
    </>
  );
}

function CourseEditor({ course, onSaved }: { course: Course; onSaved: () => void }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<BodyOf<'/api/v1/training/admin/courses/{id}', 'patch'>>();
  return (
    <Card style={{ marginTop: 16 }} title={course.title.zh}>
      <Tabs
        items={[
          {
            key: 'settings',
            label: t('trainer.settings'),
            children: (
              <Form
                form={form}
                layout="vertical"
                initialValues={{
                  titleZh: course.title.zh,
                  titleEn: course.title.en,
                  summaryZh: course.summary.zh,
                  summaryEn: course.summary.en,
                  examQuestionCount: course.exam.questionCount,
                  examMinutes: course.exam.minutes,
                  goldMin: course.levels.gold,
                  silverMin: course.levels.silver,
                  bronzeMin: course.levels.bronze,
                  certificateValidDays: course.certificateValidDays,
                  active: course.active,
                  isRefresher: course.isRefresher,
                }}
                onFinish={async (body) => {
                  try {
                    await call(api.PATCH('/api/v1/training/admin/courses/{id}', { params: { path: { id: course.id } }, body }));
                    message.success(t('common.saved'));
                    onSaved();
                  } catch (err) {
                    message.error(errorText(err));
                  }
                }}
              >
                <CourseFields />
                <Form.Item name="active" label={t('trainer.active')} valuePropName="checked">
                  <Switch />
                </Form.Item>
                <Form.Item name="isRefresher" label={t('trainer.refresher')} valuePropName="checked" extra={t('trainer.refresherHint')}>
                  <Switch data-testid="course-refresher" />
                </Form.Item>
                <Button type="primary" htmlType="submit">
                  {t('common.save')}
                </Button>
              </Form>
            ),
          },
          { key: 'lessons', label: t('trainer.lessons'), children: <LessonsEditor courseId={course.id} /> },
          { key: 'questions', label: t('trainer.questions'), children: <QuestionsEditor courseId={course.id} /> },
        ]}
      />
    </Card>
  );
}

function LessonsEditor({ courseId }: { courseId: string }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [lessons, setLessons] = useState<Lesson[]>([]);
  const [editing, setEditing] = useState<Lesson | null>(null);
  const [form] = Form.useForm<{ position: number; title: string; bodyMarkdown: string; images?: string; videoUrl?: string }>();
  const body = Form.useWatch('bodyMarkdown', form);
  const load = useCallback(() => {
    call(api.GET('/api/v1/training/courses/{id}', { params: { path: { id: courseId } } })).then(
      (r) => setLessons(r.lessons),
      (err) => message.error(errorText(err)),
    );
  }, [courseId, message, errorText]);
  useEffect(load, [load]);
  const run = async (op: () => Promise<unknown>) => {
    try {
      await op();
      message.success(t('common.saved'));
      load();
    } catch (err) {
      message.error(errorText(err));
    }
  };
  /** Swaps a lesson with its neighbour and saves the whole order. */
  const move = (i: number, by: -1 | 1) => {
    const ids = lessons.map((l) => l.id);
    [ids[i], ids[i + by]] = [ids[i + by]!, ids[i]!];
    void run(() =>
      call(api.PUT('/api/v1/training/admin/courses/{id}/lesson-order', { params: { path: { id: courseId } }, body: { lessonIds: ids } })),
    );
  };
  const edit = (l: Lesson) => {
    setEditing(l);
    form.setFieldsValue({
      position: l.position,
      title: l.title,
      bodyMarkdown: l.bodyMarkdown,
      images: l.imageUrls.join('\n'),
      videoUrl: l.videoUrl ?? '',
    });
  };
  const stopEditing = () => {
    setEditing(null);
    form.resetFields();
  };
  return (
    <>
      <Table<Lesson>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={lessons}
        columns={[
          { title: '#', dataIndex: 'position', width: 60 },
          { title: t('trainer.lessonTitle'), dataIndex: 'title' },
          { title: t('trainer.media'), width: 120, render: (_: unknown, l) => `${l.imageUrls.length} 🖼 ${l.videoUrl ? '· ▶' : ''}` },
          {
            title: '',
            width: 300,
            render: (_: unknown, l, i) => (
              <Space size={4} wrap>
                <Button size="small" disabled={i === 0} onClick={() => move(i, -1)} data-testid={`lesson-up-${l.position}`}>
                  ↑ {t('trainer.moveUp')}
                </Button>
                <Button size="small" disabled={i === lessons.length - 1} onClick={() => move(i, 1)}>
                  ↓ {t('trainer.moveDown')}
                </Button>
                <Button size="small" onClick={() => edit(l)} data-testid={`lesson-edit-${l.position}`}>
                  {t('trainer.edit')}
                </Button>
                <Popconfirm
                  title={t('trainer.deleteLessonConfirm')}
                  onConfirm={() =>
                    void run(async () => {
                      await call(api.DELETE('/api/v1/training/admin/lessons/{id}', { params: { path: { id: l.id } } }));
                      if (editing?.id === l.id) stopEditing();
                    })
                  }
                >
                  <Button size="small" danger data-testid={`lesson-delete-${l.position}`}>
                    {t('trainer.remove')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <Card
        size="small"
        title={editing ? `${t('trainer.editLesson')} · ${editing.title}` : t('trainer.addLesson')}
        style={{ marginTop: 12 }}
        extra={editing && <Button onClick={stopEditing}>{t('common.cancel')}</Button>}
      >
        <Form
          form={form}
          layout="vertical"
          initialValues={{ position: lessons.length + 1 }}
          onFinish={async (v) => {
            const imageUrls = (v.images ?? '')
              .split('\n')
              .map((s) => s.trim())
              .filter(Boolean);
            const content = { title: v.title, bodyMarkdown: v.bodyMarkdown, imageUrls, videoUrl: v.videoUrl?.trim() || null };
            await run(async () => {
              if (editing) {
                await call(api.PATCH('/api/v1/training/admin/lessons/{id}', { params: { path: { id: editing.id } }, body: content }));
              } else {
                await call(
                  api.POST('/api/v1/training/admin/courses/{id}/lessons', {
                    params: { path: { id: courseId } },
                    body: { position: v.position, ...content },
                  }),
                );
              }
              stopEditing();
            });
          }}
        >
          <Space wrap>
            <Form.Item name="position" label="#" rules={[{ required: true }]} hidden={!!editing}>
              <InputNumber min={1} max={1000} />
            </Form.Item>
            <Form.Item name="title" label={t('trainer.lessonTitle')} rules={[{ required: true }]}>
              <Input maxLength={200} style={{ width: 360 }} />
            </Form.Item>
          </Space>
          <Form.Item name="bodyMarkdown" label={t('trainer.body')} rules={[{ required: true }]} extra={t('trainer.bodyHint')}>
            <Input.TextArea rows={8} maxLength={50_000} />
          </Form.Item>
          {body && (
            <Card size="small" title={t('trainer.preview')} style={{ marginBottom: 12 }}>
              <Markdown text={body} />
            </Card>
          )}
          <Form.Item name="images" label={t('trainer.images')} extra={t('trainer.urlHint')}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="videoUrl" label={t('trainer.videoUrl')} extra={t('trainer.urlHint')}>
            <Input />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="lesson-save">
            {editing ? t('common.save') : t('trainer.addLesson')}
          </Button>
        </Form>
      </Card>
    </>
  );
}

interface QuestionForm {
  kind: Question['kind'];
  stem: string;
  options: { text: string }[];
  correct: string[];
  explanation?: string;
}
const KEYS = 'ABCDEFGH';

function QuestionsEditor({ courseId }: { courseId: string }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [items, setItems] = useState<Question[]>([]);
  const [form] = Form.useForm<QuestionForm>();
  const kind = Form.useWatch('kind', form) ?? 'single';
  const options = Form.useWatch('options', form) ?? [];
  const load = useCallback(() => {
    call(api.GET('/api/v1/training/admin/courses/{id}/questions', { params: { path: { id: courseId } } })).then(
      (r) => setItems(r.items),
      (err) => message.error(errorText(err)),
    );
  }, [courseId, message, errorText]);
  useEffect(load, [load]);

  const choiceKeys = kind === 'true_false' ? ['T', 'F'] : options.map((_, i) => KEYS[i]!);
  return (
    <>
      <Table<Question>
        rowKey="id"
        size="small"
        pagination={{ pageSize: 10 }}
        dataSource={items}
        columns={[
          { title: t('trainer.kind'), dataIndex: 'kind', width: 90, render: (k: string) => t(`training.kind.${k}` as MessageKey) },
          { title: t('trainer.stem'), dataIndex: 'stem' },
          { title: t('training.correctAnswer'), dataIndex: 'correct', width: 90, render: (c: string[]) => c.join(', ') },
          {
            title: '',
            width: 80,
            render: (_: unknown, q) => (
              <Popconfirm
                title={t('trainer.retireConfirm')}
                onConfirm={async () => {
                  try {
                    await call(api.DELETE('/api/v1/training/admin/questions/{id}', { params: { path: { id: q.id } } }));
                    load();
                  } catch (err) {
                    message.error(errorText(err));
                  }
                }}
              >
                <Button size="small" danger type="link">
                  {t('trainer.retire')}
                </Button>
              </Popconfirm>
            ),
          },
        ]}
      />
      <Card size="small" title={t('trainer.addQuestion')} style={{ marginTop: 12 }}>
        <Form
          form={form}
          layout="vertical"
          initialValues={{ kind: 'single', options: [{ text: '' }, { text: '' }, { text: '' }, { text: '' }], correct: [] }}
          onFinish={async (v) => {
            const body: BodyOf<'/api/v1/training/admin/courses/{id}/questions', 'post'> = {
              kind: v.kind,
              stem: v.stem,
              correct: v.correct,
              explanation: v.explanation ?? '',
              ...(v.kind === 'true_false' ? {} : { options: v.options.map((o, i) => ({ key: KEYS[i]!, text: o.text })) }),
            };
            try {
              await call(api.POST('/api/v1/training/admin/courses/{id}/questions', { params: { path: { id: courseId } }, body }));
              message.success(t('common.saved'));
              form.resetFields();
              load();
            } catch (err) {
              message.error(errorText(err));
            }
          }}
        >
          <Form.Item name="kind" label={t('trainer.kind')}>
            <Select
              style={{ width: 200 }}
              onChange={() => form.setFieldValue('correct', [])}
              options={(['single', 'multiple', 'true_false'] as const).map((k) => ({
                value: k,
                label: t(`training.kind.${k}` as MessageKey),
              }))}
            />
          </Form.Item>
          <Form.Item name="stem" label={t('trainer.stem')} rules={[{ required: true, min: 2 }]}>
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
          {kind !== 'true_false' && (
            <Form.List name="options">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((f, i) => (
                    <Space key={f.key} align="baseline">
                      <Tag>{KEYS[i]}</Tag>
                      <Form.Item name={[f.name, 'text']} rules={[{ required: true }]}>
                        <Input maxLength={300} style={{ width: 420 }} />
                      </Form.Item>
                      {fields.length > 2 && (
                        <Button type="link" onClick={() => remove(f.name)}>
                          {t('trainer.remove')}
                        </Button>
                      )}
                    </Space>
                  ))}
                  {fields.length < 8 && (
                    <Button type="dashed" onClick={() => add({ text: '' })} style={{ marginBottom: 12 }}>
                      {t('trainer.addOption')}
                    </Button>
                  )}
                </>
              )}
            </Form.List>
          )}
          <Form.Item name="correct" label={t('training.correctAnswer')} rules={[{ required: true, type: 'array', min: 1 }]}>
            <Checkbox.Group
              options={choiceKeys.map((k) => ({ value: k, label: k === 'T' ? t('trainer.true') : k === 'F' ? t('trainer.false') : k }))}
            />
          </Form.Item>
          <Form.Item name="explanation" label={t('trainer.explanation')}>
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('trainer.addQuestion')}
          </Button>
        </Form>
      </Card>
    </>
  );
}

function StagesEditor({ courses }: { courses: Course[] }) {
  const { t, locale, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [stages, setStages] = useState<Stage[]>([]);
  const [editing, setEditing] = useState<{ code: string; isNew: boolean } | null>(null);
  const [form] = Form.useForm<StageBody & { code: string }>();
  const lang = locale === 'en-US' ? 'en' : 'zh';
  const load = useCallback(() => {
    call(api.GET('/api/v1/training/admin/stages')).then(
      (r) => setStages(r.items),
      (err) => message.error(errorText(err)),
    );
  }, [message, errorText]);
  useEffect(load, [load]);

  function open(s?: Stage) {
    setEditing({ code: s?.code ?? '', isNew: !s });
    form.setFieldsValue(
      s
        ? {
            code: s.code,
            position: s.position,
            nameZh: s.name.zh,
            nameEn: s.name.en,
            courseId: s.courseId,
            minCompletedOrders: s.requirements.completedOrders,
            minDaysOnPlatform: s.requirements.daysOnPlatform,
            isEntry: s.isEntry,
            active: s.active,
          }
        : { code: '', position: stages.length + 1, minCompletedOrders: 0, minDaysOnPlatform: 0, isEntry: false, active: true },
    );
  }

  return (
    <>
      <Button onClick={() => open()} style={{ marginBottom: 12 }}>
        {t('trainer.newStage')}
      </Button>
      <Table<Stage>
        rowKey="code"
        size="small"
        pagination={false}
        dataSource={stages}
        columns={[
          { title: '#', dataIndex: 'position', width: 60 },
          { title: t('trainer.code'), dataIndex: 'code', width: 140 },
          { title: t('trainer.stageName'), render: (_: unknown, s) => s.name[lang] },
          { title: t('training.course'), render: (_: unknown, s) => courses.find((c) => c.id === s.courseId)?.title[lang] ?? s.courseId },
          {
            title: t('trainer.requirements'),
            render: (_: unknown, s) =>
              t('trainer.reqShort', { orders: s.requirements.completedOrders, days: s.requirements.daysOnPlatform }),
          },
          { title: t('trainer.entry'), dataIndex: 'isEntry', width: 80, render: (v: boolean) => (v ? <Tag color="blue">✓</Tag> : '') },
          {
            title: t('trainer.active'),
            dataIndex: 'active',
            width: 80,
            render: (v: boolean, s) => (
              <Tag color={v ? 'green' : 'default'} data-testid={`stage-active-${s.code}`}>
                {v ? '✓' : '—'}
              </Tag>
            ),
          },
          {
            title: '',
            width: 80,
            render: (_: unknown, s) => (
              <Button size="small" type="link" onClick={() => open(s)} data-testid={`stage-edit-${s.code}`}>
                {t('trainer.edit')}
              </Button>
            ),
          },
        ]}
      />
      <Modal
        open={!!editing}
        title={t('trainer.stages')}
        onCancel={() => setEditing(null)}
        destroyOnHidden={false}
        onOk={() =>
          form.validateFields().then(async ({ code, ...body }) => {
            try {
              await call(api.PUT('/api/v1/training/admin/stages/{code}', { params: { path: { code } }, body }));
              setEditing(null);
              load();
            } catch (err) {
              message.error(errorText(err));
            }
          })
        }
      >
        <Form form={form} layout="vertical">
          <Form.Item
            name="code"
            label={t('trainer.code')}
            rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9-]{1,40}$/, message: t('trainer.codeRule') }]}
          >
            <Input disabled={!editing?.isNew} />
          </Form.Item>
          <Form.Item name="nameZh" label={t('trainer.titleZh')} rules={[{ required: true }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="nameEn" label={t('trainer.titleEn')} rules={[{ required: true }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="courseId" label={t('training.course')} rules={[{ required: true }]}>
            <Select options={courses.map((c) => ({ value: c.id, label: c.title[lang] }))} />
          </Form.Item>
          <Space wrap>
            <Form.Item name="position" label="#" rules={[{ required: true }]}>
              <InputNumber min={1} max={100} />
            </Form.Item>
            <Form.Item name="minCompletedOrders" label={t('trainer.minOrders')} rules={[{ required: true }]}>
              <InputNumber min={0} max={100000} />
            </Form.Item>
            <Form.Item name="minDaysOnPlatform" label={t('trainer.minDays')} rules={[{ required: true }]}>
              <InputNumber min={0} max={10000} />
            </Form.Item>
            <Form.Item name="isEntry" label={t('trainer.entry')} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="active" label={t('trainer.active')} valuePropName="checked" extra={t('trainer.stageActiveHint')}>
              <Switch data-testid="stage-active" />
            </Form.Item>
          </Space>
        </Form>
      </Modal>
    </>
  );
}

/** The standing rules (S5.4): the minimum reliability score and the refresher cool-down; audited by the server. */
function StandingRules() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<SettingsBody>();
  const [current, setCurrent] = useState<Settings | null>(null);
  useEffect(() => {
    call(api.GET('/api/v1/training/admin/settings')).then(
      (s) => {
        setCurrent(s);
        form.setFieldsValue({ minScore: s.minScore, cooldownDays: s.cooldownDays });
      },
      (err) => message.error(errorText(err)),
    );
  }, [form, message, errorText]);
  return (
    <Card size="small" style={{ maxWidth: 560 }}>
      <Form
        form={form}
        layout="vertical"
        onFinish={async (v) => {
          try {
            const s = await call(api.PUT('/api/v1/training/admin/settings', { body: v }));
            setCurrent(s);
            message.success(t('common.saved'));
          } catch (err) {
            message.error(errorText(err));
          }
        }}
      >
        <Form.Item name="minScore" label={t('trainer.minScore')} extra={t('trainer.minScoreHint')} rules={[{ required: true }]}>
          <InputNumber min={1} max={100} data-testid="rules-min-score" />
        </Form.Item>
        <Form.Item name="cooldownDays" label={t('trainer.cooldownDays')} extra={t('trainer.cooldownHint')} rules={[{ required: true }]}>
          <InputNumber min={0} max={365} data-testid="rules-cooldown" />
        </Form.Item>
        {current?.updatedAt && (
          <p style={{ color: '#6b7280' }} data-testid="rules-updated">
            {t('trainer.rulesUpdated', { at: new Date(current.updatedAt).toLocaleString() })}
          </p>
        )}
        <Button type="primary" htmlType="submit" data-testid="rules-save">
          {t('common.save')}
        </Button>
      </Form>
    </Card>
  );
}

/** Revoke a certificate by its number with a reason (audited; the holder is notified with the reason). */
function RevokeCertificate() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ number: string; reason: string }>();
  return (
    <Card size="small" style={{ maxWidth: 560 }}>
      <Form
        form={form}
        layout="vertical"
        onFinish={async (v) => {
          try {
            const c = await call(
              api.POST('/api/v1/training/admin/certificates/{number}/revoke', {
                params: { path: { number: v.number.trim() } },
                body: { reason: v.reason },
              }),
            );
            message.success(t('trainer.revoked', { number: c.number }));
            form.resetFields();
          } catch (err) {
            message.error(errorText(err));
          }
        }}
      >
        <Form.Item name="number" label={t('training.certNumber')} rules={[{ required: true }]}>
          <Input placeholder="DBC20261123-XXXXXX" data-testid="revoke-number" />
        </Form.Item>
        <Form.Item name="reason" label={t('trainer.revokeReason')} rules={[{ required: true, min: 2 }]} extra={t('trainer.revokeHint')}>
          <Input.TextArea rows={3} maxLength={500} data-testid="revoke-reason" />
        </Form.Item>
        <Popconfirm title={t('trainer.revokeConfirm')} onConfirm={() => form.submit()}>
          <Button danger data-testid="revoke-submit">
            {t('trainer.revoke')}
          </Button>
        </Popconfirm>
      </Form>
    </Card>
  );
}
