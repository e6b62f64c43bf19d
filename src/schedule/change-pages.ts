/**
 * The recorded history pages of a tenant (table change_pages): what the poller re-read once for
 * every sync of the shop, and their pruning. A page is written in the same db.batch as the cursor
 * move and only while the cursor stands at the page's end, so a second poller that lost the race
 * for the cursor records nothing (its page would overlap the winner's; incremental runs also
 * refuse overlapping or missing pages, src/sync/incremental-records.ts coversRange).
 */
import { and, eq, isNotNull, lte, ne, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { changePages, syncs } from '../db/schema'

/**
 * The insert of one page (from, upTo]: one row whatever the number of customers it holds. It takes
 * effect only if this batch's cursor update moved the cursor to `upTo` (placed after it), and a
 * page already recorded with the same end is kept (INSERT OR IGNORE).
 */
export function insertPage(
  db: Db,
  tenantId: number,
  from: number,
  upTo: number,
  itemCount: number,
  data: string
) {
  return db
    .insert(changePages)
    .select(
      sql`SELECT ${tenantId}, ${upTo}, ${from}, ${itemCount}, ${data}
        WHERE (SELECT history_since_id FROM tenants WHERE id = ${tenantId}) = ${upTo}`
    )
    .onConflictDoNothing()
}

/**
 * Drops the pages every active following sync has covered (its watermark), or — for a tenant that
 * follows nothing — those up to the cursor: a sync created later starts with a full run whose
 * watermark is the cursor at that moment. Paused syncs do not hold pages back; their watermark is
 * cleared instead, so their next change run is a full one.
 */
export async function prunePages(db: Db, tenantId: number) {
  await db.batch([
    db
      .update(syncs)
      .set({ historyAppliedId: null })
      .where(
        and(
          eq(syncs.tenantId, tenantId),
          ne(syncs.state, 'active'),
          isNotNull(syncs.historyAppliedId)
        )
      ),
    db.delete(changePages).where(
      and(
        eq(changePages.tenantId, tenantId),
        lte(
          changePages.upTo,
          sql`coalesce((SELECT min(coalesce(s.history_applied_id, 0)) FROM syncs s
              WHERE s.tenant_id = ${tenantId} AND s.state = 'active'
              AND (s.all_customers = 1 OR s.segment_is_dynamic IS NULL OR s.segment_is_dynamic = 1)),
              (SELECT t.history_since_id FROM tenants t WHERE t.id = ${tenantId}), 0)`
        )
      )
    ),
  ])
}
