import type { Locale } from '../../platform/i18n.ts';
import type { Platform } from '../../platform/platform.ts';

/** How to reach a user outside the app, as the accounts module hands it out (decrypted, never stored here). */
export interface Contact {
  phone?: string | null | undefined;
  email?: string | null | undefined;
  locale: Locale;
}

/** Looks up a user's contact through the accounts module. */
export async function lookupContact(_p: Platform, _userId: string): Promise<Contact | undefined> {
  return undefined; // wired to accounts' findContact once that module lands
}
