/**
 * What the operator of the hosted module needs to see at a glance, across all tenants (the one
 * place whose queries are deliberately not scoped to a tenant, which is why it lives apart and is
 * reachable only with the operator token): tenants by state, runs failing now, the oldest running
 * run, the run backlog, and recent registrations (replays and rate limits show up there); syncs whose
 * alert state needs a person now, and tenants whose CRM refused the module's notifications.
 * A Worker cannot read a queue's depth, so the backlog is approximated by the runs queued or running
 * and the syncs marked due (next_run_at passed) that the scheduler has not started yet.
 */
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm'
import { ATTENTION_STATES } from '../alerts/state'
import type { Db } from '../db/client'
import { runs, syncs, tenants } from '../db/schema'
import { recentRegistrations, registrationCounts } from '../tenants/registrations'
import { accountLabel } from '../tenants/system-url'

export interface OperatorOverview {
  tenants: {
    live: number
    switchedOff: number
    broken: number
    movePending: number
    keysDeleted: number
    notificationsRefused: number
  }
  /** Syncs by the alert state last recorded (src/alerts), only those that need a person. */
  syncsNeedingAttention: { state: string; n: number }[]
  attention: { id: number; host: string; state: string; since: number }[]
  failing: { code: string; count: number }[]
  recentFailures: { runId: number; tenantId: number; code: string; at: number }[]
  backlog: { queued: number; running: number; needsConfirmation: number; dueMarks: number }
  oldestRunning: { runId: number; tenantId: number; since: number } | null
  registrations: Awaited<ReturnType<typeof recentRegistrations>>
  registrationsDay: { outcome: string; n: number }[]
}

const DAY = 24 * 3_600_000

/** Collects the overview in a handful of queries. */
export async function operatorOverview(db: Db, now: number): Promise<OperatorOverview> {
  const [counts] = await db
    .select({
      live: sql<number>`sum(CASE WHEN active = 1 AND frozen = 0 AND broken_reason IS NULL THEN 1 ELSE 0 END)`,
      off: sql<number>`sum(CASE WHEN active = 0 OR frozen = 1 THEN 1 ELSE 0 END)`,
      broken: sql<number>`sum(CASE WHEN broken_reason IS NOT NULL THEN 1 ELSE 0 END)`,
      moving: sql<number>`sum(CASE WHEN pending_system_url IS NOT NULL THEN 1 ELSE 0 END)`,
      keysDeleted: sql<number>`sum(CASE WHEN crm_api_key_enc = '' THEN 1 ELSE 0 END)`,
      refused: sql<number>`sum(CASE WHEN notify_error IS NOT NULL THEN 1 ELSE 0 END)`,
    })
    .from(tenants)
  const attentionRows = await db
    .select()
    .from(tenants)
    .where(
      sql`${tenants.active} = 0 OR ${tenants.frozen} = 1 OR ${tenants.brokenReason} IS NOT NULL OR ${tenants.pendingSystemUrl} IS NOT NULL`
    )
    .orderBy(desc(tenants.updatedAt))
    .limit(50)
  const failing = await db
    .select({
      code: sql<string>`coalesce(${runs.errorCode}, 'unknown')`,
      count: sql<number>`count(*)`,
    })
    .from(runs)
    .where(and(eq(runs.status, 'failed'), gt(runs.finishedAt, now - DAY)))
    .groupBy(sql`1`)
    .orderBy(desc(sql`2`))
  const recentFailures = await db
    .select({
      runId: runs.id,
      tenantId: runs.tenantId,
      code: sql<string>`coalesce(${runs.errorCode}, 'unknown')`,
      at: sql<number>`coalesce(${runs.finishedAt}, ${runs.createdAt})`,
    })
    .from(runs)
    .where(and(eq(runs.status, 'failed'), gt(runs.finishedAt, now - DAY)))
    .orderBy(desc(runs.finishedAt))
    .limit(20)
  const backlogRows = await db
    .select({ status: runs.status, n: sql<number>`count(*)` })
    .from(runs)
    .where(inArray(runs.status, ['queued', 'running', 'needs_confirmation']))
    .groupBy(runs.status)
  const [oldest] = await db
    .select({
      runId: runs.id,
      tenantId: runs.tenantId,
      since: sql<number>`coalesce(${runs.startedAt}, ${runs.createdAt})`,
    })
    .from(runs)
    .where(eq(runs.status, 'running'))
    .orderBy(asc(sql`coalesce(${runs.startedAt}, ${runs.createdAt})`))
    .limit(1)
  const syncStates = await db
    .select({ state: sql<string>`${syncs.alertState}`, n: sql<number>`count(*)` })
    .from(syncs)
    .where(inArray(syncs.alertState, [...ATTENTION_STATES]))
    .groupBy(syncs.alertState)
  const [due] = await db
    .select({ n: sql<number>`count(*)` })
    .from(syncs)
    .where(and(eq(syncs.state, 'active'), sql`${syncs.nextRunAt} <= ${now}`))
  const backlog = (s: string) => backlogRows.find((r) => r.status === s)?.n ?? 0
  return {
    tenants: {
      live: counts?.live ?? 0,
      switchedOff: counts?.off ?? 0,
      broken: counts?.broken ?? 0,
      movePending: counts?.moving ?? 0,
      keysDeleted: counts?.keysDeleted ?? 0,
      notificationsRefused: counts?.refused ?? 0,
    },
    syncsNeedingAttention: syncStates,
    attention: attentionRows.map((t) => ({
      id: t.id,
      host: accountLabel(t.systemUrl),
      state: [
        t.brokenReason ? 'broken' : null,
        !t.active ? 'inactive' : null,
        t.frozen ? 'frozen' : null,
        t.pendingSystemUrl ? `move pending → ${accountLabel(t.pendingSystemUrl)}` : null,
      ]
        .filter(Boolean)
        .join(', '),
      since: t.updatedAt,
    })),
    failing,
    recentFailures,
    backlog: {
      queued: backlog('queued'),
      running: backlog('running'),
      needsConfirmation: backlog('needs_confirmation'),
      dueMarks: due?.n ?? 0,
    },
    oldestRunning: oldest ?? null,
    registrations: await recentRegistrations(db),
    registrationsDay: await registrationCounts(db, now),
  }
}
