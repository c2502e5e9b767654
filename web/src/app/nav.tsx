import type { ReactNode } from 'react';
import {
  AuditOutlined,
  BookOutlined,
  HomeOutlined,
  IdcardOutlined,
  MessageOutlined,
  QuestionCircleOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { CustomerServiceOutlined, ProfileOutlined } from '@ant-design/icons';
import { AlertOutlined, AccountBookOutlined, WalletOutlined } from '@ant-design/icons';
import type { MessageKey } from './dictionary.ts';
import type { Me } from './session.tsx';

export interface NavItem {
  path: string;
  label: MessageKey;
  icon: ReactNode;
  /** Shows the unread badge. */
  badge?: boolean;
}

/**
 * What a user may navigate to: only features that exist on the server and that the user's
 * permissions allow (the server checks again; hiding a link is convenience, not security).
 */
export function navFor(me: Me): NavItem[] {
  const perms = new Set<string>(me.permissions);
  const items: NavItem[] = [
    { path: '/', label: 'nav.home', icon: <HomeOutlined /> },
    ...(me.kind !== 'staff' && (perms.has('orders:post') || perms.has('orders:take'))
      ? [{ path: '/orders', label: 'nav.orders' as const, icon: <ProfileOutlined /> }]
      : []),
    ...(me.kind !== 'staff' && perms.has('wallet:use')
      ? [{ path: '/wallet', label: 'nav.wallet' as const, icon: <WalletOutlined /> }]
      : []),
    { path: '/messages', label: 'nav.messages', icon: <MessageOutlined />, badge: true },
  ];
  if (me.kind === 'staff') {
    if (perms.has('staff:manage')) items.push({ path: '/staff/users', label: 'nav.staffUsers', icon: <TeamOutlined /> });
    if (perms.has('audit:read')) items.push({ path: '/audit', label: 'nav.audit', icon: <AuditOutlined /> });
    if (perms.has('kyc:review')) items.push({ path: '/staff/kyc', label: 'kyc.nav', icon: <IdcardOutlined /> });
    if (perms.has('training:manage')) items.push({ path: '/staff/training', label: 'trainer.nav', icon: <BookOutlined /> });
  }
  if (me.kind === 'staff' && perms.has('complaints:handle'))
    items.push({ path: '/support/complaints', label: 'nav.complaints', icon: <CustomerServiceOutlined /> });
  if (me.kind === 'staff' && perms.has('finance:read'))
    items.push({ path: '/finance', label: 'nav.finance', icon: <AccountBookOutlined /> });
  if (me.kind === 'staff' && perms.has('risk:read')) items.push({ path: '/risk', label: 'nav.risk', icon: <AlertOutlined /> });
  items.push({ path: '/me', label: 'nav.me', icon: <UserOutlined /> });
  // Phones: at most 5 tabs (home, orders, wallet, messages, me); help is a Home shortcut there.
  if (me.kind === 'staff') items.push({ path: '/help', label: 'nav.help', icon: <QuestionCircleOutlined /> });
  return items;
}

/** In-app links that notifications may carry and that this web app can open (others are not built yet). */
const KNOWN_LINKS = [
  /^\/$/,
  /^\/messages(\/|$|\?)/,
  /^\/me(\/?$|\?)/,
  /^\/help(\/?$|\?)/,
  /^\/account\/security\/?$/,
  /^\/staff\/users\/?$/,
  /^\/audit\/?$/,
  /^\/(wallet|finance|risk)(\/?$|\?)/,
  /^\/(orders|orders\/schedule|stores|support\/complaints)(\/?$|\?)/,
  /^\/orders\/[0-9a-f-]{36}\/?$/,
  /^\/complaints(\/[0-9a-f-]{36})?\/?$/,
  /^\/reliability\/?$/,
  /^\/(me\/verification|training|training\/certificates|staff\/kyc|staff\/training)(\/?$|\?)/,
  /^\/training\/courses\/[0-9a-f-]{36}\/?$/,
  /^\/certificates\/[A-Za-z0-9-]+\/?$/,
];

/** True when a notification's link leads to a page of this web app. */
export const isOpenableLink = (link: string | null | undefined): link is string => !!link && KNOWN_LINKS.some((re) => re.test(link));
