/**
 * Helpers of the incremental-run tests: a world brought to its steady state (cursor started, a
 * full run with a watermark done, nothing marked), and a scheduler whose CRM calls are counted.
 */
import { eq } from 'drizzle-orm'
import { syncs } from '../../src/db/schema'
import type { ScheduleDeps } from '../../src/schedule/deps'
import { tickAndPoll } from './schedule-queue'
import { sandboxCrmClient, type World } from './world'

/**
 * Ticks (with the queued polls the tick causes) and drains the runs until the world's syncs all
 * have a watermark and no mark: the first tick starts the cursor and the reconcile, which may take
 * a second tick before a full run covers the cursor.
 */
export async function settle(
  w: World,
  deps: ScheduleDeps,
  syncIds: number[] = [w.sync.id],
  drain: Parameters<World['drain']>[0] = {}
) {
  for (let i = 0; i < 4; i++) {
    await tickAndPoll(deps)
    await w.drain(drain)
    const rows = await w.db.select().from(syncs).where(eq(syncs.tenantId, w.tenant.id))
    const mine = rows.filter((r) => syncIds.includes(r.id))
    if (mine.every((r) => r.historyAppliedId !== null && r.nextRunKind === null)) return
  }
  throw new Error('the world did not settle')
}

/** The scheduler's deps with every CRM call it makes recorded (endpoint paths) in `calls`. */
export async function countingScheduler(
  w: World,
  deps: ScheduleDeps
): Promise<{ calls: string[]; deps: ScheduleDeps }> {
  const key = await w.crm.issueKey()
  const calls: string[] = []
  return {
    calls,
    deps: { ...deps, crm: async () => sandboxCrmClient(w.crm, key, (e) => calls.push(e)) },
  }
}
