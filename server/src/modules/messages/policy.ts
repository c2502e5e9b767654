import type { NotificationCategory } from './index.ts';
import type { CopyChannel } from './tables.ts';

/**
 * Copy settings when a user has not chosen: no SMS or e-mail copies for any category — the in-app
 * message center is the default channel, and security notices are copied regardless (mandatoryCopy).
 */
export function defaultPreference(_category: NotificationCategory): { sms: boolean; email: boolean } {
  return { sms: false, email: false };
}

/**
 * Which copies go out for one notification: the channels the user turned on for its category, or both
 * channels when the sender marked it mandatory (security notices must reach the owner, S5.1c).
 */
export function copyChannels(pref: { sms: boolean; email: boolean }, mandatory: boolean): CopyChannel[] {
  if (mandatory) return ['sms', 'email'];
  const out: CopyChannel[] = [];
  if (pref.sms) out.push('sms');
  if (pref.email) out.push('email');
  return out;
}
