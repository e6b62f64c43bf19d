/**
 * The leader's two moments outside its pages (docs/shared-read.md): fixing its members before the
 * first page (after which no run joins), and, at the end of a read of the whole base, checking the
 * segments no customer came with, so that a deleted segment or customers served without their
 * `segments` never read as "the segment is empty" (which an exact sync would turn into removals).
 */
import type { RetailCrmClient } from '../clients/retailcrm'
import { storedPageSize } from '../credentials/page-sizes'
import type { StepContext } from './context'
import { baseReadWins, baseSizeWanted, type RunSource, readyToRead, sourceOf } from './shared-read'
import { type MemberCandidate, memberCandidates } from './shared-read-store'
import { type Lead, parseCursor } from './state'

/**
 * Fixes the leader's members once every run that named it is ready (or JOIN_WAIT_MS passed):
 * those waiting in `shared_wait` are served, the others read on their own. Returns false while
 * the leader should wait. An undecided group (base null) decides here whether reading the whole
 * base wins (baseWins); a group that reads its source keeps only the members of that source, and
 * a group left with a single source reads that source, not the base.
 */
export async function fixMembers(
  ctx: StepContext,
  crm: Pick<RetailCrmClient, 'listCustomers'>,
  lead: Lead
): Promise<boolean> {
  const now = ctx.deps.now()
  lead.since ??= now
  const found = await memberCandidates(ctx.deps.d1, ctx.run.tenantId, ctx.run.id, ctx.run.syncId)
  if (!readyToRead(found, lead.since, now)) return false
  const ready = found.filter((r) => r.status === 'running' && r.phase === 'shared_wait')
  const own = sourceOf(ctx.run)
  lead.own = own
  if (lead.base === null) lead.base = await baseWins(ctx, crm, own, ready)
  const served = lead.base ? ready : ready.filter((r) => sourceOf(r) === own)
  lead.members = served.map((r) => ({
    id: r.id,
    code: sourceOf(r),
    fields: parseCursor(r.cursor).fields,
    read: 0,
    invalid: 0,
    rejects: 0,
    missing: false,
    incomplete: null,
  }))
  if (lead.members.every((m) => m.code === own)) lead.base = false
  return true
}

/**
 * Whether one read of the whole base costs fewer pages than a read of each distinct source of the
 * group (baseReadWins), learning the shop's customer count with one /customers call of 20 only
 * when it can change the answer. A count the CRM does not give means no base read.
 */
async function baseWins(
  ctx: StepContext,
  crm: Pick<RetailCrmClient, 'listCustomers'>,
  own: string | null,
  ready: readonly MemberCandidate[]
): Promise<boolean> {
  const sources: RunSource[] = [
    { syncId: ctx.run.syncId, code: own, size: ready[0]?.leaderSize ?? null },
    ...ready.map((r) => ({ syncId: r.id, code: sourceOf(r), size: r.size })),
  ]
  const pageSize = await storedPageSize(ctx.deps.d1, ctx.run.tenantId, 'customers')
  if (baseReadWins(sources, pageSize, null)) return true
  if (!baseSizeWanted(sources, pageSize)) return false
  await ctx.reserveCrmCalls(1)
  let total: number | null = null
  try {
    total = (await crm.listCustomers({ page: 1, limit: 20 })).pagination.totalCount
  } catch {
    // Only the choice of read depends on it: read each source (the pages then say what is wrong).
  }
  return baseReadWins(sources, pageSize, total)
}

/**
 * What RetailCRM counts in a segment a base read served: its customersCount, 'missing' when the
 * segment is gone, 'unknown' when not found within 5,000 segments.
 */
export type SegmentCount = number | 'missing' | 'unknown'

/**
 * Looks up the segments a base read served (one /segments pass, usually one call), so the leader
 * can check each run's share of the read against the CRM's own count: a customer that came
 * without its `segments` (UNCONFIRMED whether the list ever leaves them out) would otherwise be
 * read as outside its segment and removed. More than 5,000 segments without finding one is
 * 'unknown' (never taken as proof).
 */
export async function segmentCounts(
  crm: Pick<RetailCrmClient, 'listSegments'>,
  codes: readonly string[]
): Promise<Map<string, SegmentCount>> {
  const out = new Map<string, SegmentCount>()
  const left = new Set(codes)
  for (let page = 1; page <= 50 && left.size > 0; page++) {
    const res = await crm.listSegments({ page, limit: 100 })
    for (const s of res.segments) if (left.delete(s.code)) out.set(s.code, s.customersCount)
    if (page >= res.pagination.totalPageCount) {
      for (const code of left) out.set(code, 'missing')
      left.clear()
    }
  }
  for (const code of left) out.set(code, 'unknown')
  return out
}

/**
 * What a base read's share of a segment means, from the CRM's count: the segment is gone (and no
 * customer came with it), the read may lack some of its customers (fewer came than the CRM
 * counts, or it cannot be checked: that run only adds), or it can be trusted.
 */
export function judgeShare(
  count: SegmentCount | undefined,
  read: number
): 'missing' | 'short' | 'ok' {
  if (count === 'missing') return read === 0 ? 'missing' : 'short'
  if (count === undefined || count === 'unknown') return 'short'
  return count > read ? 'short' : 'ok'
}
