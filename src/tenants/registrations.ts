/**
 * The register request's own rate limit. Its token covers only the API key (the marketplace's
 * protocol, so it stays), which lets a captured request be replayed: each replay rotates the
 * tenant's clientId and ends its sessions. Signed registrations are therefore recorded per address
 * and at most REGISTRATIONS_PER_WINDOW are served per address in REGISTRATION_WINDOW_MS; the record
 * also feeds the operator view. Requests with a bad token are never recorded (they prove nothing
 * and must not let a stranger exhaust a shop's allowance). Knows nothing of Hono.
 */
import { and, desc, eq, gt, lt, ne, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { registrations } from '../db/schema'

/** Registrations served per address per window: a few "Connect" clicks, not a replay loop. */
export const REGISTRATIONS_PER_WINDOW = 5
export const REGISTRATION_WINDOW_MS = 10 * 60_000
/** Recorded registrations are kept this long (the operator view shows the recent ones). */
export const REGISTRATION_HISTORY_MS = 30 * 24 * 3_600_000

export type RegistrationOutcome = 'connected' | 'reconnected' | 'moved' | 'refused' | 'rate_limited'

/**
 * Whether one more signed registration of `systemUrl` may be served now; when not, the minutes
 * until the oldest one in the window leaves it.
 */
export async function registrationAllowance(
  db: Db,
  systemUrl: string,
  now: number
): Promise<{ ok: true } | { ok: false; retryInMinutes: number }> {
  const since = now - REGISTRATION_WINDOW_MS
  const served = await db
    .select({ at: registrations.at })
    .from(registrations)
    .where(
      and(
        eq(registrations.systemUrl, systemUrl),
        gt(registrations.at, since),
        ne(registrations.outcome, 'rate_limited')
      )
    )
    .orderBy(desc(registrations.at))
    .limit(REGISTRATIONS_PER_WINDOW)
  if (served.length < REGISTRATIONS_PER_WINDOW) return { ok: true }
  const oldest = served[served.length - 1]?.at ?? now
  return { ok: false, retryInMinutes: Math.max(1, Math.ceil((oldest - since) / 60_000)) }
}

/** Records a signed registration and drops records older than the kept history. */
export async function recordRegistration(
  db: Db,
  r: { systemUrl: string; outcome: RegistrationOutcome; tenantId?: number | null; now: number }
): Promise<void> {
  await db.batch([
    db.insert(registrations).values({
      systemUrl: r.systemUrl.slice(0, 300),
      outcome: r.outcome,
      tenantId: r.tenantId ?? null,
      at: r.now,
    }),
    db.delete(registrations).where(lt(registrations.at, r.now - REGISTRATION_HISTORY_MS)),
  ])
}

/** The newest recorded registrations, for the operator view. */
export async function recentRegistrations(db: Db, limit = 50) {
  return db
    .select()
    .from(registrations)
    .orderBy(desc(registrations.at), desc(registrations.id))
    .limit(limit)
}

/** Registrations per outcome in the last day, for the operator view's summary line. */
export async function registrationCounts(db: Db, now: number) {
  return db
    .select({ outcome: registrations.outcome, n: sql<number>`count(*)` })
    .from(registrations)
    .where(gt(registrations.at, now - 24 * 3_600_000))
    .groupBy(registrations.outcome)
}
