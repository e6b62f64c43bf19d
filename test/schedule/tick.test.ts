import { describe, expect, it } from 'vitest'
import { runTick } from '../../src/schedule/tick'
import { startRun } from '../../src/sync/start'
import { makeRun } from '../support/fixtures'
import { makeScheduleWorld, type ScheduleWorld } from '../support/world'

/** A tenant past its first poll and first reconcile, with every run finished. */
async function warm(t: ScheduleWorld) {
  await runTick(t.deps)
  await t.finishRuns()
  t.crmCalls.length = 0
}

describe('scheduler tick', () => {
  it('first poll starts the cursor at "now" and reconciles every following sync once', async () => {
    const t = await makeScheduleWorld()
    await t.crm.recalculate('dyn', { add: 3, remove: 0 }) // history before the first poll
    const dyn = await t.sync('dyn')
    const stat = await t.sync('stat')
    const all = await t.sync(null)
    const report = await runTick(t.deps)
    const tenant = await t.tenantRow()
    expect(tenant.historySinceId).toBe(3) // the newest id, not a replay from the beginning
    expect(tenant.lastReconcileAt).not.toBeNull()
    expect(await t.pending()).toEqual([]) // history before the cursor is covered by the reconcile
    const started = report.dispatch.started.map((s) => [s.syncId, s.trigger, s.kind])
    expect(started.sort()).toEqual(
      [
        [dyn.id, 'reconcile', 'full'],
        [all.id, 'reconcile', 'full'],
      ].sort()
    )
    expect(await t.runsOf(stat.id)).toEqual([]) // static segments: once, and on demand
    // The next tick has nothing to do: one history request and one segments request.
    await t.finishRuns()
    t.crmCalls.length = 0
    const again = await runTick(t.deps)
    expect(again.dispatch.started).toEqual([])
    expect(t.crmCalls).toEqual(['/api/v5/customers/history', '/api/v5/segments'])
  })

  it('a recalculation of a synced segment starts that sync on the next tick', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn', { mode: 'union' })
    const other = await t.sync('other')
    await warm(t)
    const r = await t.crm.recalculate('dyn', { add: 5, remove: 2 })
    expect(r.added).toBe(5)
    const report = await runTick(t.deps)
    expect(report.dispatch.started.map((s) => [s.syncId, s.trigger])).toEqual([[dyn.id, 'change']])
    expect(await t.pending()).toEqual([1, 2, 501, 502, 503, 504, 505])
    expect((await t.tenantRow()).historySinceId).toBe(7)
    expect((await t.runsOf(other.id)).length).toBe(1) // only its first reconcile
    // Counts moved together with the history: no second, count-triggered run was marked.
    expect((await t.syncRow(dyn.id)).nextRunAt).toBeNull()
    expect((await t.syncRow(dyn.id)).lastSeenCustomersCount).toBe(503)
  })

  it('reads history over several pages inline when the budget allows', async () => {
    const t = await makeScheduleWorld({ limits: { cronHistoryPages: 5 } })
    const dyn = await t.sync('dyn')
    await warm(t)
    await t.crm.recalculate('dyn', { add: 250, remove: 0 })
    const report = await runTick(t.deps)
    expect(report.handedOff).toEqual([])
    expect((await t.tenantRow()).historySinceId).toBe(250)
    expect(report.dispatch.started.map((s) => [s.syncId, s.kind])).toEqual([
      [dyn.id, 'incremental'],
    ])
    // The incremental run reads the 250 recorded changes; it moves the watermark itself.
    expect((await t.pending()).length).toBe(250)
    expect((await t.syncRow(dyn.id)).historyAppliedId).toBe(0)
    expect(t.crmCalls.filter((c) => c.endsWith('/history')).length).toBe(3)
  })

  it('hands a long backlog to the queue and leaves that cursor to the queued poll', async () => {
    const t = await makeScheduleWorld({ limits: { cronHistoryPages: 1 } })
    await t.sync('dyn')
    await warm(t)
    await t.crm.recalculate('dyn', { add: 250, remove: 0 })
    const report = await runTick(t.deps)
    expect(report.handedOff).toEqual([t.tenant.id])
    expect(t.sent).toContainEqual({ type: 'poll-history', tenantId: t.tenant.id })
    expect((await t.tenantRow()).historySinceId).toBe(100) // one page recorded by cron
    expect((await t.tenantRow()).historyPollUntil).toBeGreaterThan(t.deps.now())
    t.crmCalls.length = 0
    await runTick(t.deps) // lease held: cron does not poll this tenant
    expect(t.crmCalls.filter((c) => c.endsWith('/history'))).toEqual([])
  })

  it('an email change or an opt-out of a member starts the sync; non-members do not', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    const other = await t.sync('other')
    await warm(t)
    await t.crm.changeEmail(10, 'new-address@example.com')
    let report = await runTick(t.deps)
    expect(report.dispatch.started.map((s) => [s.syncId, s.kind])).toEqual([[dyn.id, 'full']])
    await t.finishRuns()
    await t.crm.unsubscribe(20)
    report = await runTick(t.deps)
    expect(report.dispatch.started.map((s) => s.syncId)).toEqual([dyn.id])
    await t.finishRuns()
    await t.crm.setEmailSubscription(1500, false) // not in dyn nor in other
    report = await runTick(t.deps)
    expect(report.dispatch.started).toEqual([])
    expect((await t.runsOf(other.id)).length).toBe(1)
  })

  it("a customer merged into another starts the exact syncs and the target's syncs", async () => {
    const t = await makeScheduleWorld()
    const exact = await t.sync('dyn')
    const union = await t.sync('other', { mode: 'union' })
    const unrelated = await t.sync('other', { mode: 'subtract', segmentCode: 'other' })
    await warm(t)
    await makeRun(t.tenant.id, unrelated.id, { status: 'running' }) // busy: keeps its mark
    await t.crm.merge(30, 1050) // 30 is in dyn, 1050 is in other
    const report = await runTick(t.deps)
    const ids = report.dispatch.started.map((s) => s.syncId).sort((a, b) => a - b)
    expect(ids).toEqual([exact.id, union.id])
    expect(report.dispatch.busy).toEqual([unrelated.id])
    // The busy sync has not covered the changes yet: they stay recorded for it.
    expect(await t.pending()).toEqual([30, 1050])
    // For subtraction a merge only matters through the target (now in "other"): incremental.
    expect((await t.syncRow(unrelated.id)).nextRunKind).toBe('incremental')
    expect(report.dispatch.started.find((s) => s.syncId === exact.id)?.kind).toBe('full')
    await t.finishRuns()
    const next = await runTick(t.deps)
    expect(next.dispatch.started.map((s) => s.syncId)).toEqual([unrelated.id])
  })

  it('a new customer reaches an "all customers" sync', async () => {
    const t = await makeScheduleWorld()
    const all = await t.sync(null, { mode: 'union' })
    await warm(t)
    await t.crm.createCustomer('fresh@example.com')
    const report = await runTick(t.deps)
    expect(report.dispatch.started.map((s) => s.syncId)).toEqual([all.id])
  })
})

describe('a tenant without syncs yet', () => {
  it('keeps a cursor, so its first sync runs in full once and then incrementally', async () => {
    const t = await makeScheduleWorld()
    await runTick(t.deps) // connected, no syncs: cursor starts, nothing to reconcile
    expect((await t.tenantRow()).historySinceId).toBe(0)
    expect((await t.tenantRow()).lastReconcileAt).not.toBeNull()
    const dyn = await t.sync('dyn', { mode: 'union' })
    // The UI starts the first run when the sync is saved.
    const first = await startRun(
      { db: t.db, queue: t.deps.queue, now: t.deps.now },
      { tenantId: t.tenant.id, syncId: dyn.id, trigger: 'create' }
    )
    expect(first.started).toBe(true)
    expect((await t.syncRow(dyn.id)).historyAppliedId).toBe(0)
    await t.crm.recalculate('dyn', { add: 3, remove: 0 })
    const busy = await runTick(t.deps) // the create run is still going: no duplicate
    expect(busy.dispatch.started).toEqual([])
    expect(busy.dispatch.busy).toEqual([dyn.id])
    await t.finishRuns()
    const next = await runTick(t.deps)
    expect(next.dispatch.started.map((s) => [s.trigger, s.kind])).toEqual([
      ['change', 'incremental'],
    ])
    expect(await t.pending()).toEqual([501, 502, 503])
  })

  it('is polled every few minutes once it has a cursor', async () => {
    const t = await makeScheduleWorld({ limits: { idlePollEveryMinutes: 10 } })
    await runTick(t.deps)
    let polls = 0
    for (let i = 0; i < 10; i++) {
      t.crmCalls.length = 0
      t.crm.clock.advance(60_000)
      await runTick(t.deps)
      if (t.crmCalls.length > 0) polls++
    }
    expect(polls).toBe(1)
  })
})

describe('tick budget', () => {
  it('hands tenants beyond the inline budget to the queue, once', async () => {
    const t = await makeScheduleWorld({ limits: { maxInlineTenants: 0 } })
    await t.sync('dyn')
    const r = await runTick(t.deps)
    expect(r.handedOff).toEqual([t.tenant.id])
    expect(r.polled).toEqual([])
    expect(t.crmCalls).toEqual([])
    const polls = () => t.sent.filter((m) => (m as { type: string }).type === 'poll-history')
    expect(polls()).toEqual([{ type: 'poll-history', tenantId: t.tenant.id }])
    const again = await runTick(t.deps) // the queued poll holds the lease
    expect(again.handedOff).toEqual([])
    expect(polls().length).toBe(1)
  })
})
