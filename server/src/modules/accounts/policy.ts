/**
 * Who may do what (S6.1): roles map to permissions; routes and other modules check permissions, never
 * roles. Staff roles are assigned by an administrator; self-registered users get fixed permissions.
 */

/** The staff roles of the operations team. */
export const STAFF_ROLES = ['admin', 'reviewer', 'finance', 'support', 'risk', 'ops', 'trainer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Permissions of every staff role. Other modules check these strings (e.g. `kyc:review`). */
export const ROLE_PERMISSIONS: Record<StaffRole, readonly string[]> = {
  admin: ['staff:manage', 'audit:read', 'users:read', 'users:manage', 'ops:read', 'risk:read'],
  reviewer: ['kyc:review', 'users:read'],
  finance: ['finance:read', 'finance:approve', 'finance:reconcile', 'users:read'],
  support: ['complaints:handle', 'users:read', 'orders:read'],
  risk: ['risk:read', 'risk:manage', 'audit:read', 'users:read'],
  ops: ['ops:read', 'ops:manage', 'orders:read'],
  trainer: ['training:manage', 'users:read'],
};

/** What a self-registered individual may do: post shifts (store owner) and take them (courier). */
export const PERSON_PERMISSIONS: readonly string[] = [
  'orders:post',
  'orders:take',
  'wallet:use',
  'messages:read',
  'kyc:submit',
  'training:take',
  'complaints:file',
  'reviews:write',
];

/** What an enterprise (a company running stations) may do: post shifts, never take them. */
export const ENTERPRISE_PERMISSIONS: readonly string[] = [
  'orders:post',
  'wallet:use',
  'messages:read',
  'kyc:submit',
  'complaints:file',
  'reviews:write',
];

export const isStaffRole = (r: string): r is StaffRole => (STAFF_ROLES as readonly string[]).includes(r);

/** The permission set of an account. */
export function permissionsOf(kind: 'person' | 'enterprise' | 'staff', roles: readonly string[]): Set<string> {
  if (kind === 'person') return new Set(PERSON_PERMISSIONS);
  if (kind === 'enterprise') return new Set(ENTERPRISE_PERMISSIONS);
  const perms = new Set<string>();
  for (const r of roles) if (isStaffRole(r)) for (const p of ROLE_PERMISSIONS[r]) perms.add(p);
  return perms;
}
