/**
 * Tenant-scoped queries on Unisender accounts. Every function takes the tenant id and filters by it,
 * so an id of another tenant behaves exactly like a missing id (the routes answer 404).
 */
import { and, count, eq, inArray, isNotNull, isNull } from 'drizzle-orm'
import type { Db } from '../client'
import { type Sync, syncs, type UnisenderAccount, unisenderAccounts } from '../schema'

export type AccountWithUsage = UnisenderAccount & { syncCount: number }

/** The tenant's live (not deleted) accounts, oldest first, with how many syncs use each. */
export async function listAccounts(db: Db, tenantId: number): Promise<AccountWithUsage[]> {
  const rows = await db
    .select()
    .from(unisenderAccounts)
    .where(and(eq(unisenderAccounts.tenantId, tenantId), isNull(unisenderAccounts.deletedAt)))
    .orderBy(unisenderAccounts.id)
  const usage = await db
    .select({ accountId: syncs.unisenderAccountId, n: count() })
    .from(syncs)
    .where(eq(syncs.tenantId, tenantId))
    .groupBy(syncs.unisenderAccountId)
  const byId = new Map(usage.map((u) => [u.accountId, u.n]))
  return rows.map((r) => ({ ...r, syncCount: byId.get(r.id) ?? 0 }))
}

/** One live account of the tenant, or null. */
export async function getAccount(
  db: Db,
  tenantId: number,
  id: number
): Promise<UnisenderAccount | null> {
  const [row] = await db
    .select()
    .from(unisenderAccounts)
    .where(
      and(
        eq(unisenderAccounts.id, id),
        eq(unisenderAccounts.tenantId, tenantId),
        isNull(unisenderAccounts.deletedAt)
      )
    )
  return row ?? null
}

/** A live account of the tenant with this login (case-insensitive), to refuse duplicates. */
export async function findAccountByLogin(
  db: Db,
  tenantId: number,
  login: string
): Promise<UnisenderAccount | null> {
  const rows = await listAccounts(db, tenantId)
  return rows.find((r) => r.login.toLowerCase() === login.toLowerCase()) ?? null
}

/**
 * Inserts an account whose key ciphertext is bound to the new row id: the row is inserted with an
 * empty ciphertext (never usable), then completed; if encryption or the update fails the row is
 * removed again, so no half-saved account survives.
 */
export async function createAccount(
  db: Db,
  v: { tenantId: number; login: string; apiKeyHint: string; testMode: boolean; now: number },
  encrypt: (accountId: number) => Promise<string>
): Promise<UnisenderAccount> {
  const [row] = await db
    .insert(unisenderAccounts)
    .values({ ...v, apiKeyEnc: '', createdAt: v.now, updatedAt: v.now })
    .returning()
  if (!row) throw new Error('account insert returned nothing')
  try {
    const apiKeyEnc = await encrypt(row.id)
    await db.update(unisenderAccounts).set({ apiKeyEnc }).where(eq(unisenderAccounts.id, row.id))
    return { ...row, apiKeyEnc }
  } catch (err) {
    await db.delete(unisenderAccounts).where(eq(unisenderAccounts.id, row.id))
    throw err
  }
}

/** Updates login/test mode and, when given, the key; returns false if the account is not the tenant's. */
export async function updateAccount(
  db: Db,
  tenantId: number,
  id: number,
  v: { login: string; testMode: boolean; apiKeyEnc?: string; apiKeyHint?: string; now: number }
): Promise<boolean> {
  const { now, ...rest } = v
  const res = await db
    .update(unisenderAccounts)
    .set({ ...rest, updatedAt: now })
    .where(
      and(
        eq(unisenderAccounts.id, id),
        eq(unisenderAccounts.tenantId, tenantId),
        isNull(unisenderAccounts.deletedAt)
      )
    )
    .returning({ id: unisenderAccounts.id })
  return res.length > 0
}

/** How many of the tenant's syncs use the account. */
export async function countSyncsUsing(
  db: Db,
  tenantId: number,
  accountId: number
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), eq(syncs.unisenderAccountId, accountId)))
  return row?.n ?? 0
}

/** The tenant's syncs that use the account, oldest first (named before the account is deleted). */
export async function listSyncsUsing(db: Db, tenantId: number, accountId: number): Promise<Sync[]> {
  return db
    .select()
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), eq(syncs.unisenderAccountId, accountId)))
    .orderBy(syncs.id)
}

/**
 * Deletes an account: its syncs are paused (reason 'account_deleted') — or, with `moveTo` (a live
 * account of the tenant), moved there keeping their state, each writing the list of the same title
 * in that account (found or created by the engine: list ids belong to one account) — and the
 * account row is soft-deleted with its key wiped, in one batch.
 */
export async function deleteAccount(
  db: Db,
  tenantId: number,
  id: number,
  now: number,
  moveTo?: number
): Promise<void> {
  const ofAccount = and(eq(syncs.tenantId, tenantId), eq(syncs.unisenderAccountId, id))
  await db.batch([
    moveTo
      ? db
          .update(syncs)
          .set({
            unisenderAccountId: moveTo,
            listId: null,
            createList: true,
            nextRunAt: now,
            updatedAt: now,
          })
          .where(ofAccount)
      : db
          .update(syncs)
          .set({
            state: 'paused',
            pausedReason: 'account_deleted',
            nextRunAt: null,
            updatedAt: now,
          })
          .where(ofAccount),
    db
      .update(unisenderAccounts)
      .set({ deletedAt: now, apiKeyEnc: '', apiKeyHint: '', updatedAt: now })
      .where(and(eq(unisenderAccounts.id, id), eq(unisenderAccounts.tenantId, tenantId))),
  ])
}

/**
 * Re-attaches the syncs paused because an account with this login was deleted to the account just
 * added with the same login (case-insensitive): same Unisender account, so their list ids hold.
 * They resume at once. Returns how many.
 */
export async function resumeSyncsOfLogin(
  db: Db,
  tenantId: number,
  login: string,
  accountId: number,
  now: number
): Promise<number> {
  const gone = await db
    .select({ id: unisenderAccounts.id, login: unisenderAccounts.login })
    .from(unisenderAccounts)
    .where(and(eq(unisenderAccounts.tenantId, tenantId), isNotNull(unisenderAccounts.deletedAt)))
  const ids = gone.filter((a) => a.login.toLowerCase() === login.toLowerCase()).map((a) => a.id)
  if (ids.length === 0) return 0
  const res = await db
    .update(syncs)
    .set({
      unisenderAccountId: accountId,
      state: 'active',
      pausedReason: null,
      nextRunAt: now,
      updatedAt: now,
    })
    .where(
      and(
        eq(syncs.tenantId, tenantId),
        inArray(syncs.unisenderAccountId, ids),
        eq(syncs.pausedReason, 'account_deleted')
      )
    )
    .returning({ id: syncs.id })
  return res.length
}
