/**
 * Which full runs one dispatch starts as a shared read (docs/shared-read.md), pure: from the
 * runs' sources (a segment code with its last seen customersCount, or all customers), the groups
 * of a leader and its members. Costs no subrequest: the sources come back with the claims of the
 * marks (marks.ts claimMark), and the one number the scheduler does not have, the shop's customer
 * count C, is learned by the leader itself when it matters (base: null, src/sync/shared-lead.ts).
 */
import { baseReadWins, baseSizeWanted, distinctSources, MAX_GROUP, type RunSource } from '../sync'

/**
 * One shared read: `syncIds[0]` should lead. `base`: read the whole base (true), the one source
 * (false), or let the leader decide once it knows C (null).
 */
export interface ReadGroup {
  base: boolean | null
  syncIds: number[]
}

/**
 * The page size the plan assumes: 250, what a run asks first (docs/retailcrm.md §3). A tenant
 * served 100 a page only shifts the roundings of both sides; the leader decides with its own size.
 */
const PLAN_PAGE = 250

/**
 * The shared reads of a shop's due full runs, at most MAX_GROUP runs each: one read of the base
 * when it surely wins (an all-customers source among others) or may win (then the leader decides,
 * and its most common source leads, as it keeps the runs of its own source if the base loses);
 * otherwise one read of each source several runs share. Runs in no group read on their own.
 */
export function planReadGroups(rows: readonly RunSource[]): ReadGroup[] {
  if (rows.length < 2) return []
  const head = rows.slice(0, MAX_GROUP)
  const base = baseReadWins(head, PLAN_PAGE, null)
    ? true
    : baseSizeWanted(head, PLAN_PAGE)
      ? null
      : false
  if (base !== false && distinctSources(head).size > 1) {
    return [
      { base, syncIds: byCommonSource(head).map((r) => r.syncId) },
      ...planReadGroups(rows.slice(MAX_GROUP)),
    ]
  }
  const bySource = new Map<string | null, number[]>()
  for (const r of rows) bySource.set(r.code, [...(bySource.get(r.code) ?? []), r.syncId])
  const out: ReadGroup[] = []
  for (const ids of bySource.values())
    for (let i = 0; i < ids.length; i += MAX_GROUP) {
      const part = ids.slice(i, i + MAX_GROUP)
      if (part.length > 1) out.push({ base: false, syncIds: part })
    }
  return out
}

/** The runs ordered by how many share their source (stable), so the first leads the most. */
function byCommonSource(rows: readonly RunSource[]): RunSource[] {
  const n = new Map<string | null, number>()
  for (const r of rows) n.set(r.code, (n.get(r.code) ?? 0) + 1)
  return [...rows].sort((a, b) => n.get(b.code)! - n.get(a.code)!)
}

/** A claimed mark as dispatch groups it. */
export interface ClaimedStart {
  syncId: number
  tenantId: number
  full: boolean
  allCustomers: boolean
  segmentCode: string | null
  lastSeenCustomersCount: number | null
}

/** A run's part in a shared read: its group (per dispatch) and the group's base choice. */
export interface ReadRole {
  group: number
  base: boolean | null
}

/**
 * The order a dispatch starts its claimed marks in, and each grouped sync's role: each shop's full
 * runs are planned (planReadGroups) and a group's runs start together, its intended leader first,
 * at the place of its first run; everything else keeps its order. The first run of a group that
 * actually starts leads it (dispatch.ts).
 */
export function sharedReadStarts(claimed: readonly ClaimedStart[]): {
  order: number[]
  roles: Map<number, ReadRole>
} {
  const roles = new Map<number, ReadRole>()
  const members = new Map<number, number[]>()
  const full = claimed.filter((c) => c.full && (c.allCustomers || c.segmentCode))
  for (const tenantId of new Set(full.map((c) => c.tenantId))) {
    const sources: RunSource[] = full
      .filter((c) => c.tenantId === tenantId)
      .map((c) => ({
        syncId: c.syncId,
        code: c.allCustomers ? null : c.segmentCode,
        size: c.lastSeenCustomersCount,
      }))
    for (const g of planReadGroups(sources)) {
      const group = members.size
      members.set(group, g.syncIds)
      for (const id of g.syncIds) roles.set(id, { group, base: g.base })
    }
  }
  const order: number[] = []
  const opened = new Set<number>()
  for (const c of claimed) {
    const role = roles.get(c.syncId)
    if (!role) order.push(c.syncId)
    else if (!opened.has(role.group)) {
      opened.add(role.group)
      order.push(...members.get(role.group)!)
    }
  }
  return { order, roles }
}
