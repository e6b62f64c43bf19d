/**
 * The banner's data: which of a tenant's syncs need a person now, computed live from the same state
 * the alert pass notifies (state.ts), so the banner appears with the run that caused it and goes
 * with the run that fixes it, without waiting for the next tick.
 */
import { tenantSyncAlerts } from './queries'
import { type AttentionState, alertStateOf, needsAttention } from './state'

/** One sync the banner links to. */
export interface AttentionItem {
  syncId: number
  /** "Segment → list", as the sync list names it. */
  name: string
  state: AttentionState
}

/** The tenant's syncs that need attention, in id order. */
export async function syncsNeedingAttention(
  d1: D1Database,
  tenantId: number,
  allCustomersName: string
): Promise<AttentionItem[]> {
  const out: AttentionItem[] = []
  for (const s of await tenantSyncAlerts(d1, tenantId)) {
    const state = alertStateOf(s)
    if (!needsAttention(state)) continue
    const segment = s.allCustomers ? allCustomersName : (s.segmentName ?? '?')
    out.push({ syncId: s.id, name: `${segment} → ${s.listTitle}`, state })
  }
  return out
}
