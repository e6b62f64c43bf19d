import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { syncs, tenants } from '../../src/db/schema'
import worker from '../../src/index'
import {
  type DispatchTenants,
  dispatchSliceStep,
  RUNS_PER_TENANT_MAX,
} from '../../src/schedule/dispatch-slice'
import { INLINE_STARTS, pollHistoryStep } from '../../src/schedule/poll-message'
import { runTick } from '../../src/schedule/tick'
import { tickAndPoll } from '../support/schedule-queue'
import { makeProductionTenant, makeScheduleWorld } from '../support/world'

async function deliver(queue: string, body: unknown, attempts = 1) {
  const batch = createMessageBatch(queue, [{ id: 'p1', timestamp: new Date(), attempts, body }])
  const ctx = createExecutionContext()
  await worker.queue(batch as never, env, ctx)
  return getQueueResult(batch, ctx)
}

describe('poll-history queue messages', () => {
  it('a queued poll reads the backlog through the Worker and frees the lease', async () => {
    const w = await makeProductionTenant()
    const send = vi.spyOn(env.SYNC_QUEUE, 'send').mockResolvedValue(undefined as never)
    await w.db
      .update(tenants)
      .set({ historySinceId: 0, lastReconcileAt: 1, historyPollUntil: Date.now() + 60_000 })
      .where(eq(tenants.id, w.tenant.id))
    await w.crm.recalculate('dyn', { add: 150, remove: 0 })
    const r = await deliver('sync-jobs', { type: 'poll-history', tenantId: w.tenant.id })
    expect(r.explicitAcks).toEqual(['p1'])
    expect((await w.tenantRow()).historySinceId).toBe(150)
    expect((await w.tenantRow()).historyPollUntil).toBeNull()
    // Done paging: no further poll (whatever runs the recorded changes start are run messages).
    const types = send.mock.calls.map((c) => (c[0] as { type?: string }).type)
    expect(types).not.toContain('poll-history')
  })

  it('re-enqueues itself while history remains and holds the lease meanwhile', async () => {
    const t = await makeScheduleWorld({ limits: { queueHistoryPages: 2 } })
    const sync = await t.sync('dyn')
    await tickAndPoll(t.deps) // the first poll starts the cursor
    await tickAndPoll(t.deps) // the next minute starts the first reconcile
    await t.finishRuns()
    const before = (await t.runsOf(sync.id)).length
    await t.crm.recalculate('dyn', { add: 250, remove: 0 })
    const msg = { type: 'poll-history' as const, tenantId: t.tenant.id }
    expect(await pollHistoryStep(t.deps, msg, 1)).toEqual({ kind: 'ack' })
    expect((await t.tenantRow()).historySinceId).toBe(200)
    expect((await t.tenantRow()).historyPollUntil).toBeGreaterThan(t.deps.now())
    expect(t.sent).toContainEqual(msg)
    // While the backlog is paged, a tick does not send the tenant's due runs to be started on a
    // part of it, and a dispatch message already on its way starts none either.
    const during = await runTick(t.deps)
    expect(during.dispatchSent).toEqual([])
    const late = { tenants: [{ id: t.tenant.id, runs: 1 }], at: t.deps.now() }
    expect((await dispatchSliceStep(t.deps, late)).started).toEqual([])
    const last = await pollHistoryStep(t.deps, msg, 1)
    expect(last.kind === 'ack' && last.dispatch?.started.map((s) => s.syncId)).toEqual([sync.id])
    expect((await t.tenantRow()).historySinceId).toBe(250)
    expect((await t.tenantRow()).historyPollUntil).toBeNull()
    expect(t.sent.filter((m) => (m as { type: string }).type === 'poll-history').length).toBe(1)
    // The last page recorded: the poll itself started one run for all 250 changes.
    const after = await t.runsOf(sync.id)
    expect(after.length).toBe(before + 1)
    expect(after.at(-1)!.trigger).toBe('change')
  })

  it('asks for a retry when the CRM is unavailable, and stops for a refused key', async () => {
    const t = await makeScheduleWorld()
    await t.sync('dyn')
    await tickAndPoll(t.deps)
    const msg = { type: 'poll-history' as const, tenantId: t.tenant.id }
    t.crm.faults.set({ errors: 1, errorStatus: 503 })
    const v = await pollHistoryStep(t.deps, msg, 2)
    expect(v).toEqual({ kind: 'retry', delaySeconds: 10 })
    t.deps.crm = async () => t.client('wrong-key')
    expect(await pollHistoryStep(t.deps, msg, 1)).toMatchObject({ kind: 'ack' })
    expect((await t.tenantRow()).brokenReason).toMatch(/refused/)
  })

  it('a slice of tenants is checked through the Worker and acked', async () => {
    const w = await makeProductionTenant()
    const r = await deliver('sync-jobs', {
      type: 'poll-tenants',
      tenantIds: [w.tenant.id],
      at: Date.now(),
    })
    expect(r.explicitAcks).toEqual(['p1'])
    expect((await w.tenantRow()).historySinceId).toBe(0) // its first poll started the cursor
  })

  it('a dead-lettered poll is acked without touching the cursor', async () => {
    const w = await makeProductionTenant()
    const r = await deliver('sync-jobs-dlq', { type: 'poll-history', tenantId: w.tenant.id }, 11)
    expect(r.explicitAcks).toEqual(['p1'])
    expect((await w.tenantRow()).historySinceId).toBeNull()
  })
})

describe('runs a history poll starts', () => {
  it('a one-page poll starts 10 runs itself and hands the rest to a dispatch-tenants message', async () => {
    const t = await makeScheduleWorld()
    const ids: number[] = []
    for (let i = 0; i < 12; i++) ids.push((await t.sync('dyn', { mode: 'union' })).id)
    // First poll, then the reconciles (3 full runs a tick per shop), every run finished.
    for (let i = 0; i < 6; i++) {
      await tickAndPoll(t.deps)
      await t.finishRuns()
    }
    await t.crm.recalculate('dyn', { add: 3, remove: 0 })
    const minute = await tickAndPoll(t.deps, { historyPolls: false })
    expect(minute.handedOff).toEqual([t.tenant.id])
    const poll = minute.polls.find((m) => m.type === 'poll-history')!
    const before = t.sent.length
    const v = await pollHistoryStep(t.deps, poll as never, 1)
    const inline = v.kind === 'ack' ? (v.dispatch?.started ?? []) : []
    expect(inline.length).toBe(INLINE_STARTS)
    expect(inline.every((s) => s.kind === 'incremental')).toBe(true)
    const handed = t.sent
      .slice(before)
      .filter((m): m is DispatchTenants => (m as { type?: string }).type === 'dispatch-tenants')
    expect(handed.map((m) => m.tenants)).toEqual([[{ id: t.tenant.id, runs: RUNS_PER_TENANT_MAX }]])
    const rest = await dispatchSliceStep(t.deps, handed[0]!)
    expect([...inline, ...rest.started].map((s) => s.syncId).sort((a, b) => a - b)).toEqual(ids)
  })

  it('a dispatch that used the largest share sends its tenant again, and the rest start', async () => {
    const t = await makeScheduleWorld()
    const ids: number[] = []
    for (let i = 0; i < 15; i++) ids.push((await t.sync('dyn', { mode: 'union' })).id)
    for (let i = 0; i < 7; i++) {
      await tickAndPoll(t.deps)
      await t.finishRuns()
    }
    await t.crm.recalculate('dyn', { add: 3, remove: 0 })
    // Delivered in order, as the queue would: 10 inline, 5 more from the handed-on message.
    const r = await tickAndPoll(t.deps)
    expect(r.dispatch.started.map((s) => s.syncId).sort((a, b) => a - b)).toEqual(ids)
    // A largest share used up (13 of 15 due) sends the tenant once more.
    await t.db
      .update(syncs)
      .set({ nextRunAt: t.deps.now(), nextRunKind: 'incremental' })
      .where(eq(syncs.tenantId, t.tenant.id))
    await t.finishRuns()
    const before = t.sent.length
    const body = {
      type: 'dispatch-tenants' as const,
      tenants: [{ id: t.tenant.id, runs: RUNS_PER_TENANT_MAX }],
      at: t.deps.now(),
    }
    const first = await dispatchSliceStep(t.deps, body)
    expect(first.started.length).toBe(RUNS_PER_TENANT_MAX)
    const again = t.sent
      .slice(before)
      .filter((m): m is DispatchTenants => (m as { type?: string }).type === 'dispatch-tenants')
    expect(again.length).toBe(1)
    const second = await dispatchSliceStep(t.deps, again[0]!)
    expect(second.started.length).toBe(15 - RUNS_PER_TENANT_MAX)
    expect(
      t.sent.slice(before).filter((m) => (m as { type?: string }).type === 'dispatch-tenants')
        .length
    ).toBe(1)
  })
})
