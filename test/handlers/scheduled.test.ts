import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
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

/**
 * Captures the messages the tick sends with sendBatch (poll-tenants slices, dispatch-tenants) and
 * delivers them to the Worker's consumer.
 */
function slices() {
  const sent: unknown[] = []
  vi.spyOn(env.SYNC_QUEUE, 'sendBatch').mockImplementation(async (batch) => {
    for (const m of batch) sent.push(m.body)
    return undefined as never
  })
  return {
    sent,
    async deliver() {
      const bodies = sent.splice(0)
      const batch = createMessageBatch(
        'sync-jobs',
        bodies.map((body, i) => ({ id: `s${i}`, timestamp: new Date(), attempts: 1, body }))
      )
      const ctx = createExecutionContext()
      await worker.queue(batch as never, env, ctx)
      return getQueueResult(batch, ctx)
    },
  }
}

describe('cron handler', () => {
  it('sends the tenant in a slice, whose consumer polls it through its decrypted key', async () => {
    const w = await makeProductionTenant()
    const send = vi.spyOn(env.SYNC_QUEUE, 'send').mockResolvedValue(undefined as never)
    const q = slices()
    await tick()
    expect(q.sent).toEqual([
      { type: 'poll-tenants', tenantIds: [w.tenant.id], at: expect.any(Number), shard: 0 },
    ])
    expect((await w.tenantRow()).historySinceId).toBeNull() // the tick itself polls no shop
    expect((await q.deliver()).explicitAcks).toEqual(['s0'])
    expect((await w.tenantRow()).historySinceId).toBe(0)
    await tick() // the next minute marks the first reconcile and sends the tenant to start it
    expect(q.sent).toContainEqual({
      type: 'dispatch-tenants',
      tenants: [{ id: w.tenant.id, runs: expect.any(Number) }],
      at: expect.any(Number),
      shard: 0,
    })
    expect(await w.db.select().from(runs)).toEqual([]) // the tick itself starts no run
    const n = q.sent.length
    expect((await q.deliver()).explicitAcks).toHaveLength(n)
    const [run] = await w.db.select().from(runs).where(eq(runs.syncId, w.dyn.id))
    expect([run?.trigger, run?.kind, run?.status]).toEqual(['reconcile', 'full', 'queued'])
    expect(send).toHaveBeenCalledWith({ type: 'run-step', runId: run!.id, seq: 0 })
  })

  it('picks up a segment recalculation on the next tick, through a queued history poll', async () => {
    const w = await makeProductionTenant()
    const sent: { type: string }[] = []
    vi.spyOn(env.SYNC_QUEUE, 'send').mockImplementation(async (m) => {
      sent.push(m as { type: string })
      return undefined as never
    })
    const q = slices()
    await tick()
    await q.deliver()
    await tick()
    await q.deliver() // the dispatch-tenants message starts the first reconcile
    await w.db.update(runs).set({ status: 'done' }).where(eq(runs.syncId, w.dyn.id))
    await w.crm.recalculate('dyn', { add: 3, remove: 1 })
    await tick()
    await q.deliver() // the slice sees news and hands the tenant to a poll-history message
    const poll = sent.filter((m) => m.type === 'poll-history')
    expect(poll).toEqual([{ type: 'poll-history', tenantId: w.tenant.id }])
    const batch = createMessageBatch('sync-jobs', [
      { id: 'h1', timestamp: new Date(), attempts: 1, body: poll[0] },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch as never, env, ctx)
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['h1'])
    expect((await w.tenantRow()).historySinceId).toBe(4)
    const all = await w.db.select().from(runs).where(eq(runs.syncId, w.dyn.id))
    expect(all.map((r) => r.trigger)).toEqual(['reconcile', 'change'])
    expect(sent.filter((m) => m.type === 'run-step').length).toBe(2)
  })
})
