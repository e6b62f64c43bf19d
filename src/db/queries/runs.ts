/** Queries on runs that the handlers need regardless of the engine's phases. */
import { and, eq, inArray } from 'drizzle-orm'
import type { Db } from '../client'
import { runs } from '../schema'

/**
 * Marks a run failed unless it already finished; used by the dead-letter consumer so that a
 * message that exhausted its retries is visible to the user with the reason.
 */
export async function failRun(
  db: Db,
  runId: number,
  errorCode: string,
  errorMessage: string,
  now: number
): Promise<boolean> {
  const res = await db
    .update(runs)
    .set({ status: 'failed', errorCode, errorMessage, finishedAt: now })
    .where(and(eq(runs.id, runId), inArray(runs.status, ['queued', 'running'])))
    .returning({ id: runs.id })
  return res.length > 0
}
