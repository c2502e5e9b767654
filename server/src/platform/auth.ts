import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/** Who is calling: resolved from the session cookie or bearer token by the accounts module. */
export interface Actor {
  userId: string;
  /** person and enterprise are self-registered users; staff are created by an admin. */
  kind: 'person' | 'enterprise' | 'staff';
  roles: readonly string[];
  permissions: ReadonlySet<string>;
  sessionId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null for anonymous requests. */
    actor: Actor | null;
  }
}

/** Resolves the actor of a request; installed by the accounts module. */
export type ActorResolver = (req: FastifyRequest, reply: FastifyReply) => Promise<Actor | null>;

/** Returns the actor or throws UNAUTHENTICATED. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new AppError('UNAUTHENTICATED');
  return req.actor;
}

/** preHandler: the caller must be logged in. */
export async function requireAuth(req: FastifyRequest): Promise<void> {
  actorOf(req);
}

/** preHandler factory: the caller must hold every named permission. */
export function requirePermission(...perms: string[]) {
  return async (req: FastifyRequest): Promise<void> => {
    const actor = actorOf(req);
    for (const p of perms) if (!actor.permissions.has(p)) throw new AppError('FORBIDDEN');
  };
}

/** True when the actor holds the permission. For policies. */
export const can = (actor: Actor, perm: string): boolean => actor.permissions.has(perm);
