/**
 * The sample of a run's changes the UI shows (above all for dry runs): the first emails the run
 * adds and removes, read from the first staged batch of each direction, which is kept after the
 * run ends. Scoped by tenant.
 */
import { sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { unpack } from './partition'
import { SAMPLE_SIZE } from './state'

export interface RunSample {
  adds: string[]
  removes: string[]
  /** Contacts whose mapped fields the run updates (#15). */
  updates: string[]
}

/** Up to SAMPLE_SIZE emails added (or to add) and removed (or to remove) by a run. */
export async function getRunSample(db: Db, tenantId: number, runId: number): Promise<RunSample> {
  const rows = await db.all<{ side: string; data: string }>(sql`
    SELECT c.side, c.data FROM run_chunks c JOIN runs r ON r.id = c.run_id
    WHERE c.run_id = ${runId} AND r.tenant_id = ${tenantId} AND c.side IN ('a', 'r', 'u', 'A', 'R')
      AND c.bucket = 0 AND c.seq = 0`)
  // Full runs keep sample rows ('a', 'r'); incremental runs only their first batch ('A').
  const of = (sample: string, batch: string) => {
    const row = rows.find((r) => r.side === sample) ?? rows.find((r) => r.side === batch)
    return unpack(row?.data ?? '').slice(0, SAMPLE_SIZE)
  }
  return { adds: of('a', 'A'), removes: of('r', 'R'), updates: of('u', 'u') }
}
