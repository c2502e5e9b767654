import type { Platform } from '../../platform/platform.ts';
import { findContact, type UserContact } from '../accounts/index.ts';

/** How to reach a user outside the app, as the accounts module hands it out (decrypted, never stored here). */
export type Contact = UserContact;

/** Looks up a user's contact through the accounts module; undefined for unknown or cancelled users. */
export async function lookupContact(p: Platform, userId: string): Promise<Contact | undefined> {
  return findContact(p, userId);
}
