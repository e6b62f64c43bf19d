/**
 * Browser sessions. The cookie holds a random 256-bit token; only its SHA-256 is stored, so a leaked
 * database does not let anyone sign in. Expiry (decided here, documented in README):
 * - idle: a session unused for SESSION_IDLE_MS (12 h) expires; use slides it, at most once per
 *   SESSION_TOUCH_MS so that page views do not each cost a D1 write;
 * - absolute: no session lives longer than SESSION_MAX_MS (7 days) after it was created.
 * The CRM makes a fresh session on every accountUrl visit, so short sessions cost the user nothing.
 */
import { and, eq, lt } from 'drizzle-orm'
import { randomToken, sha256Hex } from '../../lib/crypto'
import type { Db } from '../client'
import { type Session, sessions, type Tenant, tenants } from '../schema'

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000
export const SESSION_TOUCH_MS = 60 * 60 * 1000

/** A freshly created session: `token` goes into the cookie and is never stored. */
export interface NewSession {
  token: string
  csrfToken: string
  expiresAt: number
}

/**
 * Creates a session for a tenant (after the clientId exchange). The tenant's expired sessions are
 * dropped in the same batch, so the table stays small without a separate cleanup job.
 */
export async function createSession(db: Db, tenantId: number, now: number): Promise<NewSession> {
  const token = randomToken(32)
  const csrfToken = randomToken(32)
  const expiresAt = now + SESSION_IDLE_MS
  await db.batch([
    db.delete(sessions).where(and(eq(sessions.tenantId, tenantId), lt(sessions.expiresAt, now))),
    db.insert(sessions).values({
      idHash: await sha256Hex(token),
      tenantId,
      csrfToken,
      expiresAt,
      createdAt: now,
    }),
  ])
  return { token, csrfToken, expiresAt }
}

/**
 * Finds the live session of a cookie token with its tenant, sliding the idle expiry. An expired
 * session is deleted and reported as absent.
 */
export async function findSession(
  db: Db,
  token: string,
  now: number
): Promise<{ session: Session; tenant: Tenant } | null> {
  if (!/^[0-9a-f]{64}$/.test(token)) return null
  const idHash = await sha256Hex(token)
  const [row] = await db
    .select({ session: sessions, tenant: tenants })
    .from(sessions)
    .innerJoin(tenants, eq(tenants.id, sessions.tenantId))
    .where(eq(sessions.idHash, idHash))
    .limit(1)
  if (!row) return null
  const { session } = row
  if (session.expiresAt <= now || session.createdAt + SESSION_MAX_MS <= now) {
    await db.delete(sessions).where(eq(sessions.idHash, idHash))
    return null
  }
  const slid = Math.min(now + SESSION_IDLE_MS, session.createdAt + SESSION_MAX_MS)
  if (slid - session.expiresAt >= SESSION_TOUCH_MS) {
    await db.update(sessions).set({ expiresAt: slid }).where(eq(sessions.idHash, idHash))
    session.expiresAt = slid
  }
  return row
}

/** Ends one session (logout). */
export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, await sha256Hex(token)))
}

/** Housekeeping for the scheduler: drops sessions past their expiry. Returns how many. */
export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const res = await db
    .delete(sessions)
    .where(lt(sessions.expiresAt, now))
    .returning({ idHash: sessions.idHash })
  return res.length
}

/** The statement that ends every session of a tenant (used inside a reconnect's batch). */
export function deleteTenantSessionsQuery(db: Db, tenantId: number) {
  return db.delete(sessions).where(eq(sessions.tenantId, tenantId))
}
