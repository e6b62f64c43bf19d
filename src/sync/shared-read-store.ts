/**
 * D1 reads of a shared read (docs/shared-read.md), each one statement scoped to the tenant: the
 * leader's look at the runs that wait for it, and a member's look at its leader.
 */
import { MAX_GROUP } from './shared-read'

/** A run that named this leader in its cursor (readId), with its sync's source. */
export interface MemberCandidate {
  id: number
  status: string
  phase: string
  cursor: string
  allCustomers: number
  segmentCode: string | null
  /** The member's segment customersCount as last seen, and the leader's (null: unknown). */
  size: number | null
  leaderSize: number | null
}

/**
 * The active runs of the tenant that wait (or will wait) for `leaderId`'s read, by id, with
 * their segments' last seen sizes and the leader's (`leaderSyncId`).
 */
export async function memberCandidates(
  d1: D1Database,
  tenantId: number,
  leaderId: number,
  leaderSyncId: number
): Promise<MemberCandidate[]> {
  const res = await d1
    .prepare(
      `SELECT r.id, r.status, r.phase, r.cursor, s.all_customers AS allCustomers,
              s.segment_code AS segmentCode, s.last_seen_customers_count AS size,
              (SELECT last_seen_customers_count FROM syncs WHERE id = ?4 AND tenant_id = ?1)
                AS leaderSize
         FROM runs r JOIN syncs s ON s.id = r.sync_id AND s.tenant_id = r.tenant_id
        WHERE r.tenant_id = ?1 AND r.status IN ('queued', 'running') AND r.id <> ?2
          AND json_extract(r.cursor, '$.readId') = ?2
        ORDER BY r.id LIMIT ?3`
    )
    .bind(tenantId, leaderId, MAX_GROUP - 1, leaderSyncId)
    .all<MemberCandidate>()
  return res.results
}

/** A member's look: its own sync's state and its leader's status and cursor (null: gone). */
export async function leaderOf(
  d1: D1Database,
  tenantId: number,
  syncId: number,
  leaderId: number
): Promise<{ syncState: string | null; leader: { status: string; cursor: string } | null }> {
  const row = await d1
    .prepare(
      `SELECT s.state AS syncState, r.status AS status, r.cursor AS cursor
         FROM syncs s LEFT JOIN runs r ON r.id = ?3 AND r.tenant_id = ?1
        WHERE s.id = ?2 AND s.tenant_id = ?1`
    )
    .bind(tenantId, syncId, leaderId)
    .first<{ syncState: string | null; status: string | null; cursor: string | null }>()
  return {
    syncState: row?.syncState ?? null,
    leader:
      row && row.status !== null && row.cursor !== null
        ? { status: row.status, cursor: row.cursor }
        : null,
  }
}
