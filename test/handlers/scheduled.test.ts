import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { runs } from '../../src/db/schema'
import worker from '../../src/index'
import { makeProductionTenant } from '../support/world'

async function tick() {
  const ctx = createExecutionContext()
  await worker.scheduled(
    createScheduledController({ scheduledTime: new Date(), cron: '* * * * *' }),
    env,
    ctx
  )
  await waitOnExecutionContext(ctx)
}

describe('cron handler', () => {
  it('polls the tenant through its decrypted key and enqueues the due run', async () => {
    const w = await makeProductionTenant()
    const send = vi.spyOn(env.SYNC_QUEUE, 'send').mockResolvedValue(undefined as never)
    await tick()
    expect((await w.tenantRow()).historySinceId).toBe(0)
    const [run] = await w.db.select().from(runs).where(eq(runs.syncId, w.dyn.id))
    expect([run?.trigger, run?.kind, run?.status]).toEqual(['reconcile', 'full', 'queued'])
    expect(send).toHaveBeenCalledWith({ type: 'run-step', runId: run!.id, seq: 0 })
  })

  it('picks up a segment recalculation on the next tick', async () => {
    const w = await makeProductionTenant()
    const send = vi.spyOn(env.SYNC_QUEUE, 'send').mockResolvedValue(undefined as never)
    await tick()
    await w.db.update(runs).set({ status: 'done' }).where(eq(runs.syncId, w.dyn.id))
    await w.crm.recalculate('dyn', { add: 3, remove: 1 })
    await tick()
    expect((await w.tenantRow()).historySinceId).toBe(4)
    const all = await w.db.select().from(runs).where(eq(runs.syncId, w.dyn.id))
    expect(all.map((r) => r.trigger)).toEqual(['reconcile', 'change'])
    expect(send).toHaveBeenCalledTimes(2)
  })
})
