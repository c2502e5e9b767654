import { Card, Collapse, List, Space, Typography } from 'antd';
import { CustomerServiceOutlined, MailOutlined, MobileOutlined, PhoneOutlined, SafetyOutlined, ToolOutlined } from '@ant-design/icons';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';

type Text = { zh: string; en: string };
const faq: { q: Text; a: Text }[] = [
  {
    q: { zh: '顶班是什么？', en: 'What is Dingban?' },
    a: {
      zh: '顶班是快递末端的临时用工平台：驿站、网点店主在人手不足时发布带报酬的顶班订单，经过平台培训和认证的顶班快递员（顶班侠）接单上岗，平台负责担保支付和结算。',
      en: 'Dingban is a substitute-shift platform for the last mile: parcel-station owners who are short of hands post paid shift orders, couriers trained and certified by the platform take them, and the platform holds and settles the pay.',
    },
  },
  {
    q: { zh: '个人注册和企业注册有什么区别？', en: 'Individual or enterprise account?' },
    a: {
      zh: '顶班快递员和个体店主选择“个人”；以公司名义经营驿站或网点的选择“企业”，需填写企业名称和 18 位统一社会信用代码，之后上传营业执照完成企业实名认证。',
      en: 'Couriers and owners trading in their own name choose "Individual". Companies choose "Enterprise" and give the company name and 18-character unified social credit code, then upload the business licence for verification.',
    },
  },
  {
    q: { zh: '收不到验证码怎么办？', en: 'The verification code does not arrive' },
    a: {
      zh: '验证码 10 分钟内有效，60 秒后可重新获取，每个号码每天有发送上限。请检查号码是否正确、短信是否被拦截、邮件是否在垃圾箱中；仍收不到请联系客服。',
      en: 'Codes are valid for 10 minutes; you can ask for a new one after 60 seconds, up to a daily limit per address. Check the number, your SMS filter or the spam folder; if it still does not arrive, contact us.',
    },
  },
  {
    q: { zh: '为什么账号被锁定了？', en: 'Why is my account locked?' },
    a: {
      zh: '为防止密码被猜测，15 分钟内连续 5 次密码错误后账号会锁定 30 分钟，页面会显示解锁时间，账号绑定的手机或邮箱也会收到提醒。第 2 次失败起需要填写图形验证码。如非本人操作，请在解锁后立即修改密码。',
      en: 'To stop password guessing, 5 wrong passwords within 15 minutes lock the account for 30 minutes; the page shows when it unlocks and the account owner is notified. From the 2nd failure a picture code is required. If it was not you, change your password once it unlocks.',
    },
  },
  {
    q: { zh: '忘记密码怎么办？', en: 'I forgot my password' },
    a: {
      zh: '在登录页点“忘记密码”，用注册手机号或邮箱接收验证码后设置新密码。重置后所有设备都会退出登录。',
      en: 'Choose "Forgot password?" on the login page, get a code at your registered mobile or e-mail and set a new password. All devices are signed out afterwards.',
    },
  },
  {
    q: { zh: '消息中心的已读和未读', en: 'Read and unread messages' },
    a: {
      zh: '订单状态变化、钱包收支、账号安全提醒都会实时推送到消息中心。右上角铃铛显示未读数量，可按分类和已读/未读筛选，也可一键全部已读。在“我的 → 通知设置”中可以选择是否同时接收短信或邮件。',
      en: 'Order changes, wallet movements and security notices are pushed to the message center in real time. The bell shows how many are unread; filter by category and read/unread, or mark everything read. Under Me → Notification settings choose whether SMS or e-mail copies go out too.',
    },
  },
  {
    q: { zh: '支持哪些设备？', en: 'Which devices are supported?' },
    a: {
      zh: '顶班是网页应用，支持 iOS（Safari 15 及以上）、安卓（Chrome、华为/小米等系统浏览器）、Windows 与 macOS 上的主流浏览器，可安装到手机桌面，像 App 一样使用。',
      en: 'Dingban is a web app for iOS (Safari 15+), Android (Chrome and the Huawei, Xiaomi, … system browsers), and current browsers on Windows and macOS. Install it on your phone to use it like an app.',
    },
  },
];

const terms: { title: Text; body: Text }[] = [
  {
    title: { zh: '一、账号与实名', en: '1. Accounts and real names' },
    body: {
      zh: '用户应使用本人手机号或邮箱注册，并按要求完成实名认证（个人提交身份证，企业提交营业执照和法定代表人身份证）。账号仅限本人使用，不得出借、转让。',
      en: 'Register with your own mobile number or e-mail and complete real-name verification (ID card for individuals; business licence and legal representative ID for companies). Accounts are personal and may not be lent or transferred.',
    },
  },
  {
    title: { zh: '二、培训与认证', en: '2. Training and certificates' },
    body: {
      zh: '顶班快递员须完成平台培训并取得有效证书后方可接单；证书等级随接单数量、在平台时长和考试成绩更新。',
      en: 'Couriers may take orders only after the platform training and with a valid certificate; its level follows orders taken, time on the platform and exam results.',
    },
  },
  {
    title: { zh: '三、订单与支付', en: '3. Orders and payment' },
    body: {
      zh: '订单须在页面显示的支付期限内完成在线支付，逾期自动关闭。订单可在页面注明的最晚时间前修改或取消。报酬由平台托管，完成后结算至顶班快递员钱包。',
      en: 'An order must be paid online within the deadline shown, or it closes automatically. It can be changed or cancelled until the latest time stated. Pay is held by the platform and settled to the courier’s wallet when the shift is done.',
    },
  },
  {
    title: { zh: '四、评价与投诉', en: '4. Reviews and complaints' },
    body: {
      zh: '完成的订单可以互相评价。对订单有异议可通过电话、邮件或在线方式投诉，客服将在 1 个工作日内响应。',
      en: 'Both sides can review a completed order. Complaints are accepted by phone, e-mail or online; customer service answers within one working day.',
    },
  },
];

const privacy: Text = {
  zh: '我们按照《个人信息保护法》和网络安全等级保护（三级）要求处理您的数据：手机号、邮箱、证件号码等个人信息加密存储，页面中脱敏显示，仅在提供服务所必需的范围内使用；密码经不可逆加密保存；所有登录和安全操作留有审计记录。注销账号后个人信息将被删除或匿名化。',
  en: 'We handle your data under China’s Personal Information Protection Law and the level-3 graded protection scheme: mobile numbers, e-mail addresses and ID numbers are encrypted at rest, shown masked, and used only as far as the service needs; passwords are stored with one-way hashing; every login and security action is audited. Closing your account deletes or anonymises your personal data.',
};

/** FAQ, the platform's rules, privacy and how to reach customer service (S6.6). */
export function HelpPage() {
  const { t, locale } = useI18n();
  const l = (x: Text) => (locale === 'en-US' ? x.en : x.zh);
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <PageHeader title={t('help.title')} />
      <Card
        size="small"
        title={
          <>
            <CustomerServiceOutlined /> {t('help.contact')}
          </>
        }
        data-testid="help-contact"
      >
        <List
          itemLayout="horizontal"
          dataSource={[
            {
              icon: <PhoneOutlined />,
              label: t('help.hotline'),
              value: <a href="tel:4008001234">400-800-1234</a>,
              note: t('help.hotlineHours'),
            },
            {
              icon: <MailOutlined />,
              label: t('help.emailSupport'),
              value: <a href="mailto:support@dingban.example">support@dingban.example</a>,
              note: t('help.emailHours'),
            },
            {
              icon: <ToolOutlined />,
              label: t('help.tech'),
              value: <a href="mailto:tech@dingban.example">tech@dingban.example</a>,
              note: (
                <a href="/docs" target="_blank" rel="noreferrer">
                  {t('nav.apiDocs')} ↗
                </a>
              ),
            },
          ]}
          renderItem={(c) => (
            <List.Item>
              <List.Item.Meta
                avatar={<span style={{ fontSize: 20, color: '#1d4ed8' }}>{c.icon}</span>}
                title={
                  <span>
                    {c.label}
                    {locale === 'en-US' ? ': ' : '：'}
                    {c.value}
                  </span>
                }
                description={c.note}
              />
            </List.Item>
          )}
        />
      </Card>
      <Card size="small" title={t('help.faq')}>
        <Collapse
          ghost
          items={faq.map((f, i) => ({ key: i, label: l(f.q), children: <Typography.Paragraph>{l(f.a)}</Typography.Paragraph> }))}
        />
      </Card>
      <Card size="small" title={t('help.terms')}>
        {terms.map((s) => (
          <div key={s.title.en}>
            <Typography.Title level={5}>{l(s.title)}</Typography.Title>
            <Typography.Paragraph>{l(s.body)}</Typography.Paragraph>
          </div>
        ))}
      </Card>
      <Card
        size="small"
        title={
          <>
            <SafetyOutlined /> {t('help.privacy')}
          </>
        }
      >
        <Typography.Paragraph>{l(privacy)}</Typography.Paragraph>
      </Card>
      <Card
        size="small"
        title={
          <>
            <MobileOutlined /> {t('help.install')}
          </>
        }
      >
        <Typography.Paragraph>{t('help.installText')}</Typography.Paragraph>
      </Card>
    </Space>
  );
}
