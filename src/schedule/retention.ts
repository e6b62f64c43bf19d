/**
 * Retention, run by every scheduler tick: nothing of a tenant's is kept longer than it needs to be.
 * - expired sessions are deleted (they are refused on use already; this removes the rows);
 * - runs beyond the newest KEEP_RUNS finished ones of a sync are pruned with their rejects and
 *   staging: the engine prunes when a run closes normally, but runs ended outside it (cancelled,
 *   dead-lettered, a deleted segment, dry runs of drafts) never pass there;
 * - recorded registrations older than their 30 days;
 * - a tenant switched off in the marketplace for KEY_RETENTION_MS has its stored keys deleted: the
 *   CRM key (crm_api_key_enc = '', its hash) and every Unisender key (the accounts are deleted as a
 *   person would, so their syncs pause with 'account_deleted'). The tenant is marked broken, so
 *   nothing uses the empty key even if the marketplace switches it on again; a reconnect from the
 *   marketplace stores a new key and clears the mark (src/tenants/connect.ts), and the shop adds
 *   its Unisender keys again. Its syncs, their history and the clientId (so it can still sign in
 *   and read why) are kept.
 */
import { and, eq, isNull, lt, ne, or } from 'drizzle-orm'
import { deleteExpiredSessions } from '../db/queries/sessions'
import { registrations, syncs, tenants, unisenderAccounts } from '../db/schema'
import { KEEP_RUNS, pruneStatements } from '../sync'
import { REGISTRATION_HISTORY_MS } from '../tenants/registrations'
import type { ScheduleDeps } from './deps'

/** How long the keys of a tenant switched off in the marketplace are kept. */
export const KEY_RETENTION_MS = 30 * 24 * 3_600_000

/** The reason shown (banner, operator view) once a tenant's keys are deleted. */
export const KEYS_DELETED =
  'The stored API keys were deleted after 30 days with the module switched off in the marketplace. Reconnect the module from the RetailCRM Marketplace, then add the Unisender keys again.'

/** At most this many syncs are pruned per tick, so the tick's D1 work stays bounded. */
const PRUNE_SYNCS_PER_TICK = 20

export interface RetentionReport {
  sessions: number
  prunedSyncs: number
  keysDeleted: number[]
}

/** One retention pass at deps.now(). */
export async function runRetention(
  deps: Pick<ScheduleDeps, 'db' | 'now'>
): Promise<RetentionReport> {
  const now = deps.now()
  // The engine's prune statements are raw D1 ones; drizzle keeps its client as $client.
  const d1 = (deps.db as unknown as { $client: D1Database }).$client
  const sessions = await deleteExpiredSessions(deps.db, now)
  await deps.db.delete(registrations).where(lt(registrations.at, now - REGISTRATION_HISTORY_MS))

  const { results } = await d1
    .prepare(
      `SELECT sync_id FROM runs WHERE status IN ('done', 'failed', 'cancelled')
        GROUP BY sync_id HAVING count(*) > ? LIMIT ?`
    )
    .bind(KEEP_RUNS, PRUNE_SYNCS_PER_TICK)
    .all<{ sync_id: number }>()
  for (const r of results) await d1.batch(pruneStatements(d1, r.sync_id))

  const expired = await deps.db
    .select({ id: tenants.id })
    .from(tenants)
    .where(
      and(
        eq(tenants.active, false),
        lt(tenants.deactivatedAt, now - KEY_RETENTION_MS),
        ne(tenants.crmApiKeyEnc, '')
      )
    )
  for (const { id } of expired) await deleteTenantKeys(deps.db, id, now)
  return { sessions, prunedSyncs: results.length, keysDeleted: expired.map((t) => t.id) }
}

/** Deletes a tenant's stored keys in one batch (see the module comment). */
async function deleteTenantKeys(db: ScheduleDeps['db'], tenantId: number, now: number) {
  await db.batch([
    db
      .update(tenants)
      .set({ crmApiKeyEnc: '', crmKeyHash: null, brokenReason: KEYS_DELETED, updatedAt: now })
      .where(eq(tenants.id, tenantId)),
    db
      .update(syncs)
      .set({ state: 'paused', pausedReason: 'account_deleted', nextRunAt: null, updatedAt: now })
      .where(
        and(
          eq(syncs.tenantId, tenantId),
          or(isNull(syncs.pausedReason), ne(syncs.pausedReason, 'draft'))
        )
      ),
    db
      .update(unisenderAccounts)
      .set({ deletedAt: now, apiKeyEnc: '', apiKeyHint: '', updatedAt: now })
      .where(and(eq(unisenderAccounts.tenantId, tenantId), isNull(unisenderAccounts.deletedAt))),
  ])
}
