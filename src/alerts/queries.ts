/**
 * What the alert pass and the banner read: every sync (drafts left out) with its newest finished or
 * held non-dry run, in one statement (the subquery walks runs_sync_idx backwards, one row a sync).
 */
import { parseCounts } from '../sync'
import type { SyncAlertInput } from './state'

/** One sync as the alert pass sees it. */
export interface SyncAlertRow extends SyncAlertInput {
  id: number
  tenantId: number
  alertState: string | null
  alertMuted: boolean
  segmentName: string | null
  allCustomers: boolean
  listTitle: string
  errorMessage: string | null
}

interface Raw {
  id: number
  tenant_id: number
  state: string
  paused_reason: string | null
  reject_alert_percent: number
  alert_state: string | null
  alert_muted: number
  segment_name: string | null
  all_customers: number
  list_title: string
  status: string | null
  error_code: string | null
  error_message: string | null
  counts: string | null
}

const SELECT = `SELECT s.id, s.tenant_id, s.state, s.paused_reason, s.reject_alert_percent, s.alert_state,
    s.alert_muted, s.segment_name, s.all_customers, s.list_title,
    r.status, r.error_code, r.error_message, r.counts
  FROM syncs s
  LEFT JOIN runs r ON r.id = (SELECT id FROM runs WHERE sync_id = s.id AND dry_run = 0
    AND status IN ('done', 'failed', 'needs_confirmation') ORDER BY id DESC LIMIT 1)
  WHERE (s.paused_reason IS NULL OR s.paused_reason <> 'draft')`

function toRow(r: Raw): SyncAlertRow {
  const counts = r.counts ? parseCounts(r.counts) : null
  return {
    id: r.id,
    tenantId: r.tenant_id,
    state: r.state,
    pausedReason: r.paused_reason,
    rejectAlertPercent: r.reject_alert_percent,
    alertState: r.alert_state,
    alertMuted: Boolean(r.alert_muted),
    segmentName: r.segment_name,
    allCustomers: Boolean(r.all_customers),
    listTitle: r.list_title,
    errorMessage: r.error_message,
    lastRun:
      r.status === null
        ? null
        : {
            status: r.status,
            errorCode: r.error_code,
            read: counts?.readFromCrm ?? 0,
            rejected: counts?.invalid ?? 0,
          },
  }
}

/** The syncs of one tenant (the banner). */
export async function tenantSyncAlerts(d1: D1Database, tenantId: number): Promise<SyncAlertRow[]> {
  const { results } = await d1
    .prepare(`${SELECT} AND s.tenant_id = ? ORDER BY s.id`)
    .bind(tenantId)
    .all<Raw>()
  return results.map(toRow)
}

/** The syncs of every tenant that still has its keys (the scheduler's alert pass). */
export async function allSyncAlerts(d1: D1Database): Promise<SyncAlertRow[]> {
  const { results } = await d1
    .prepare(
      `${SELECT} AND s.tenant_id IN (SELECT id FROM tenants WHERE crm_api_key_enc <> '') ORDER BY s.tenant_id, s.id`
    )
    .all<Raw>()
  return results.map(toRow)
}
