/**
 * Tenant-scoped queries on syncs, their runs and rejects, for the UI. Every function filters by the
 * tenant id (rejects through their run), so another tenant's id reads as missing.
 */
import { and, count, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { type Run, runRejects, runs, type Sync, syncs, unisenderAccounts } from '../schema'

export type NewSync = Omit<typeof syncs.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>
export type SyncRow = Sync & { accountLogin: string | null; lastRun: Run | null }

/** The tenant's syncs, newest first, each with its account login and latest run. */
export async function listSyncs(db: Db, tenantId: number): Promise<SyncRow[]> {
  const rows = await db
    .select({ sync: syncs, login: unisenderAccounts.login, deletedAt: unisenderAccounts.deletedAt })
    .from(syncs)
    .leftJoin(unisenderAccounts, eq(unisenderAccounts.id, syncs.unisenderAccountId))
    .where(eq(syncs.tenantId, tenantId))
    .orderBy(desc(syncs.id))
  const last = await latestRuns(db, tenantId)
  return rows.map((r) => ({
    ...r.sync,
    accountLogin: r.deletedAt ? null : r.login,
    lastRun: last.get(r.sync.id) ?? null,
  }))
}

/** Whether any sync of the tenant has finished a real (not dry) run: the first-run checklist. */
export async function hasFinishedRun(db: Db, tenantId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), eq(runs.status, 'done'), eq(runs.dryRun, false)))
    .limit(1)
  return row !== undefined
}

/** The latest run of each of the tenant's syncs (optionally only some syncs). */
export async function latestRuns(
  db: Db,
  tenantId: number,
  syncIds?: number[]
): Promise<Map<number, Run>> {
  const latest = db
    .select({ id: sql<number>`max(${runs.id})` })
    .from(runs)
    .where(
      syncIds
        ? and(eq(runs.tenantId, tenantId), inArray(runs.syncId, syncIds))
        : eq(runs.tenantId, tenantId)
    )
    .groupBy(runs.syncId)
  const rows = await db
    .select()
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), inArray(runs.id, latest)))
  return new Map(rows.map((r) => [r.syncId, r]))
}

/** One sync of the tenant with its account login (null when the account was deleted), or null. */
export async function getSync(db: Db, tenantId: number, id: number): Promise<SyncRow | null> {
  const [row] = await db
    .select({ sync: syncs, login: unisenderAccounts.login, deletedAt: unisenderAccounts.deletedAt })
    .from(syncs)
    .leftJoin(unisenderAccounts, eq(unisenderAccounts.id, syncs.unisenderAccountId))
    .where(and(eq(syncs.id, id), eq(syncs.tenantId, tenantId)))
  if (!row) return null
  const last = await latestRuns(db, tenantId, [id])
  return {
    ...row.sync,
    accountLogin: row.deletedAt ? null : row.login,
    lastRun: last.get(id) ?? null,
  }
}

/** The tenant's syncs on one Unisender account, but `exceptId` (the sync being edited). */
function otherSyncsOfAccount(
  db: Db,
  tenantId: number,
  accountId: number,
  exceptId?: number
): Promise<Sync[]> {
  return db
    .select()
    .from(syncs)
    .where(
      and(
        eq(syncs.tenantId, tenantId),
        eq(syncs.unisenderAccountId, accountId),
        exceptId ? ne(syncs.id, exceptId) : undefined
      )
    )
}

/**
 * Another sync of the tenant with the same source (segment or all customers) and the same target
 * (list id, or the same new-list title) on the same account: the "same segment and list twice" case.
 */
export async function findDuplicateSync(
  db: Db,
  tenantId: number,
  v: Pick<NewSync, 'allCustomers' | 'segmentId' | 'listId' | 'listTitle' | 'unisenderAccountId'>,
  exceptId?: number
): Promise<Sync | null> {
  const rows = await otherSyncsOfAccount(db, tenantId, v.unisenderAccountId, exceptId)
  return (
    rows.find((s) => {
      const sameSource = v.allCustomers
        ? s.allCustomers
        : !s.allCustomers && s.segmentId === v.segmentId
      const sameTarget = v.listId != null ? s.listId === v.listId : s.listTitle === v.listTitle
      return sameSource && sameTarget
    }) ?? null
  )
}

/**
 * The tenant's other syncs that write the same Unisender list: the same account and list id, or
 * the same title when either creates its list (the engine finds a list by exact title first).
 */
export async function findListSharers(
  db: Db,
  tenantId: number,
  v: Pick<NewSync, 'listId' | 'listTitle' | 'unisenderAccountId'>,
  exceptId?: number
): Promise<Sync[]> {
  const rows = await otherSyncsOfAccount(db, tenantId, v.unisenderAccountId, exceptId)
  return rows.filter((s) =>
    v.listId != null && s.listId != null ? s.listId === v.listId : s.listTitle === v.listTitle
  )
}

/** Inserts a sync for the tenant. */
export async function insertSync(db: Db, v: NewSync, now: number): Promise<Sync> {
  const [row] = await db
    .insert(syncs)
    .values({ ...v, createdAt: now, updatedAt: now })
    .returning()
  if (!row) throw new Error('sync insert returned nothing')
  return row
}

/** Updates a sync of the tenant; false when it is not the tenant's. */
export async function updateSync(
  db: Db,
  tenantId: number,
  id: number,
  v: Partial<NewSync>,
  now: number
): Promise<boolean> {
  const { tenantId: _ignored, ...rest } = v
  const res = await db
    .update(syncs)
    .set({ ...rest, updatedAt: now })
    .where(and(eq(syncs.id, id), eq(syncs.tenantId, tenantId)))
    .returning({ id: syncs.id })
  return res.length > 0
}

/** Deletes a sync of the tenant (its runs cascade). Never touches Unisender. */
export async function deleteSync(db: Db, tenantId: number, id: number): Promise<boolean> {
  const res = await db
    .delete(syncs)
    .where(and(eq(syncs.id, id), eq(syncs.tenantId, tenantId)))
    .returning({ id: syncs.id })
  return res.length > 0
}

/** The sync's runs, newest first. */
export async function listRuns(
  db: Db,
  tenantId: number,
  syncId: number,
  limit = 20
): Promise<Run[]> {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), eq(runs.syncId, syncId)))
    .orderBy(desc(runs.id))
    .limit(limit)
}

/** One run of the tenant, or null. */
export async function getRun(db: Db, tenantId: number, runId: number): Promise<Run | null> {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.tenantId, tenantId)))
  return row ?? null
}

/** Rejected contacts of a run of the tenant, in the order they were recorded. */
export async function listRejects(db: Db, tenantId: number, runId: number, limit: number) {
  return db
    .select({ email: runRejects.email, reason: runRejects.reason, detail: runRejects.detail })
    .from(runRejects)
    .innerJoin(runs, eq(runs.id, runRejects.runId))
    .where(and(eq(runRejects.runId, runId), eq(runs.tenantId, tenantId)))
    .orderBy(runRejects.id)
    .limit(limit)
}

/** Number of rejects per run, for the given runs of the tenant. */
export async function countRejects(
  db: Db,
  tenantId: number,
  runIds: number[]
): Promise<Map<number, number>> {
  if (!runIds.length) return new Map()
  const rows = await db
    .select({ runId: runRejects.runId, n: count() })
    .from(runRejects)
    .innerJoin(runs, eq(runs.id, runRejects.runId))
    .where(and(eq(runs.tenantId, tenantId), inArray(runRejects.runId, runIds)))
    .groupBy(runRejects.runId)
  return new Map(rows.map((r) => [r.runId, r.n]))
}

/** Whether the tenant still has the live account (for sync forms). */
export async function accountIsLive(db: Db, tenantId: number, accountId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: unisenderAccounts.id })
    .from(unisenderAccounts)
    .where(
      and(
        eq(unisenderAccounts.id, accountId),
        eq(unisenderAccounts.tenantId, tenantId),
        isNull(unisenderAccounts.deletedAt)
      )
    )
  return Boolean(row)
}
