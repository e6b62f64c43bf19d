/**
 * Polls one tenant's customer history from its stored sinceId cursor. The pages one call reads are
 * recorded in ONE db.batch: the poller's re-read of the customers they touched (one change_pages
 * row, change-pages.ts), the marks of the syncs they affect, and the cursor — so the cursor never
 * moves past a change that is not recorded. A failure after some pages records those before it
 * rethrows, so the retry resumes at the first unrecorded page. Nothing changed = one request and
 * no writes.
 *
 * The re-read happens here, once per page (ceil(touched/100) calls with filter[ids][], after the
 * page was read, so later than each of its changes), and serves both the verdicts (which syncs a
 * change affects) and every affected sync's incremental run: a change of a shop is read from the
 * CRM once however many syncs it affects (issue 17).
 */
import { and, eq, isNull } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Customer } from '../clients/retailcrm'
import { type Tenant, tenants } from '../db/schema'
import { type ChangeRecord, changeRecord, encodeRecords } from '../sync'
import {
  affectedSyncs,
  type ChangeKind,
  followsChanges,
  mapsAny,
  type SyncTarget,
} from './affected'
import { insertPage, prunePages } from './change-pages'
import { HISTORY_PAGE_LIMIT } from './config'
import type { CrmPort, ScheduleDeps } from './deps'
import { customersToLookUp, type PageFacts, readHistoryPage } from './history'
import { advanceCursor, markSync } from './marks'
import { tenantFollowers } from './queries'

export type PollOutcome =
  /** All history up to now is recorded. */
  | { status: 'done'; pages: number; membershipCodes: Set<string> }
  /** The page budget ran out with history left: continue through the queue. */
  | { status: 'more'; pages: number; membershipCodes: Set<string> }

/** Re-reads customers by id (missing = deleted), 100 ids per request. */
async function reRead(crm: CrmPort, ids: readonly number[]): Promise<Map<number, Customer>> {
  const out = new Map<number, Customer>()
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100)
    const res = await crm.listCustomers({ ids: chunk, limit: 100 })
    for (const c of res.customers) out.set(c.id, c)
  }
  return out
}

/**
 * The first poll of a tenant starts at "now" (the newest history id) instead of replaying years of
 * history, and asks for a full reconcile of every sync (last_reconcile_at = NULL), which covers
 * anything that changed before. It stays at 100 a page: its jump to page `totalPageCount` is
 * size-dependent, and a 250 refused there would be retried at 100 with the same page number.
 * UNCONFIRMED: that history is ordered by id and that the last page may be requested directly;
 * both hold for the documented sinceId paging.
 */
async function startCursor(
  deps: ScheduleDeps,
  tenant: Tenant,
  crm: CrmPort,
  follows: boolean
): Promise<void> {
  const first = await crm.customersHistory({ limit: HISTORY_PAGE_LIMIT, page: 1 })
  let page = first
  if (first.pagination.totalPageCount > 1)
    page = await crm.customersHistory({
      limit: HISTORY_PAGE_LIMIT,
      page: first.pagination.totalPageCount,
    })
  const maxId = Math.max(0, ...page.history.map((e) => e.id), ...first.history.map((e) => e.id))
  const now = deps.now()
  await deps.db
    .update(tenants)
    // With nothing to reconcile yet, a sync created later starts from its own full run instead.
    .set({ historySinceId: maxId, lastReconcileAt: follows ? null : now, updatedAt: now })
    .where(and(eq(tenants.id, tenant.id), isNull(tenants.historySinceId)))
}

/** Reads up to `maxPages` pages of history after the tenant's cursor and records them. */
export async function pollTenantHistory(
  deps: ScheduleDeps,
  tenant: Tenant,
  crm: CrmPort,
  maxPages: number
): Promise<PollOutcome> {
  const membershipCodes = new Set<string>()
  const syncList = (await tenantFollowers(deps.db, tenant.id)).filter(followsChanges)
  if (tenant.historySinceId === null) {
    await startCursor(deps, tenant, crm, syncList.length > 0)
    return { status: 'done', pages: 1, membershipCodes }
  }
  const from = tenant.historySinceId
  let cursor = from
  let pages = 0
  let more = true
  let recorded = false
  // The pages of this call are recorded together (one change_pages row, one batch): D1 bills per
  // row written. A failure after some pages records those first, so no read is lost.
  const group: ReadPage = { records: [], verdicts: new Map() }
  try {
    while (more && pages < maxPages) {
      // 250 where the shop's CRM serves it, else 100 (remembered per tenant): sinceId paging does
      // not depend on the size, and `more` comes from the answer's own page count.
      const res = await crm.customersHistory({ sinceId: cursor, limit: 'auto' })
      pages++
      const facts = readHistoryPage(res.history)
      if (facts.maxId === null || facts.maxId <= cursor) {
        more = false
        break
      }
      for (const m of facts.membership) membershipCodes.add(m.code)
      if (syncList.length > 0) addPage(group, await readPage(deps, crm, facts, syncList))
      cursor = facts.maxId
      more = res.pagination.totalPageCount > 1
    }
  } catch (err) {
    if (cursor > from)
      await recordPage(deps, tenant.id, from, cursor, syncList.length > 0 ? group : null).catch(
        () => false
      )
    throw err
  }
  if (cursor > from) {
    // Another poller recorded these pages first (two ticks at once): it owns the rest.
    if (!(await recordPage(deps, tenant.id, from, cursor, syncList.length > 0 ? group : null)))
      return done(pages)
    recorded = true
  }
  // Nothing follows this tenant's changes: keep only what a sync created meanwhile may need, and
  // a pending reconcile (reconnect) has nothing to cover — a sync created later runs in full.
  if (syncList.length === 0 && recorded) await prunePages(deps.db, tenant.id)
  if (syncList.length === 0 && tenant.lastReconcileAt === null)
    await deps.db
      .update(tenants)
      .set({ lastReconcileAt: deps.now() })
      .where(and(eq(tenants.id, tenant.id), isNull(tenants.lastReconcileAt)))
  return more && pages >= maxPages ? { status: 'more', pages, membershipCodes } : done(pages)

  function done(n: number): PollOutcome {
    return { status: 'done', pages: n, membershipCodes }
  }
}

/** What a page means once its customers are re-read: their records and the affected syncs. */
interface ReadPage {
  records: ChangeRecord[]
  verdicts: Map<number, ChangeKind>
}

/** Appends a page to the group: its records after the earlier ones, the stronger verdict. */
function addPage(group: ReadPage, page: ReadPage): void {
  group.records.push(...page.records)
  for (const [id, kind] of page.verdicts)
    group.verdicts.set(id, group.verdicts.get(id) === 'full' ? 'full' : kind)
}

/**
 * Re-reads every customer the page touched (deleted and merged-away ones are gone without a read)
 * and maps the page to verdicts. Every touched customer is recorded, not only those of followed
 * segments, so a record never depends on which syncs existed when it was read.
 */
async function readPage(
  deps: ScheduleDeps,
  crm: CrmPort,
  facts: PageFacts,
  syncList: SyncTarget[]
): Promise<ReadPage> {
  // Contact fields (#15): a change of data some sync maps touches the customer too, and every
  // record carries the raw values of the sources the shop's syncs map.
  const sources = [...new Set(syncList.flatMap((s) => s.fieldSources ?? []))].sort()
  const changedOf = (id: number) => [...(facts.fieldChanged.get(id)?.sources ?? [])]
  const ids = new Set(facts.touched.keys())
  for (const [id, change] of facts.fieldChanged)
    if (syncList.some((s) => mapsAny(s.fieldSources, change.sources))) ids.add(id)
  const touched = [...ids].sort((a, b) => a - b)
  const found = await reRead(
    crm,
    touched.filter((id) => !facts.gone.has(id))
  )
  const records = touched.map((id) =>
    changeRecord(id, facts.gone.has(id) ? undefined : found.get(id), sources, changedOf(id))
  )
  const segmentsOf = new Map<number, Set<string>>()
  for (const r of records) if (r.k !== 'gone') segmentsOf.set(r.i, new Set(r.s))
  const verdicts = affectedSyncs(facts, segmentsOf, syncList, customersToLookUp(facts), {
    incrementalEnabled: deps.limits.incrementalEnabled,
  })
  return { records, verdicts }
}

/**
 * Writes the pages (from, to] read by one call — their records as one row, the marks, the cursor —
 * atomically; false if the cursor had moved. A tenant that follows nothing records no row (nothing
 * would read it; a sync created later starts in full, and an incremental run over a range with a
 * missing page turns full).
 */
async function recordPage(
  deps: ScheduleDeps,
  tenantId: number,
  from: number,
  to: number,
  page: ReadPage | null
): Promise<boolean> {
  const now = deps.now()
  const { db } = deps
  const cursorStmt = advanceCursor(db, tenantId, from, to, now)
  const stmts: BatchItem<'sqlite'>[] = []
  if (page) {
    stmts.push(insertPage(db, tenantId, from, to, page.records.length, encodeRecords(page.records)))
    for (const [syncId, kind] of page.verdicts)
      stmts.push(markSync(db, tenantId, syncId, kind, now))
  }
  const results = await db.batch([cursorStmt, ...stmts])
  return (results[0] as unknown[]).length > 0
}
