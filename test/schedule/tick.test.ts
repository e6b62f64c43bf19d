import { describe, expect, it } from 'vitest'
import { pollHistoryStep } from '../../src/schedule/poll-message'
import { isWatchMinute } from '../../src/schedule/poll-slice'
import { runTick, sendSlices } from '../../src/schedule/tick'
import { startRun } from '../../src/sync/start'
import { makeRun } from '../support/fixtures'
import { tickAndPoll } from '../support/schedule-queue'
import { makeScheduleWorld, type ScheduleWorld, watchOn } from '../support/world'

/**
 * A tenant past its first poll (which starts the cursor) and its first reconcile (marked and
 * started by the next minute's tick), with every run finished.
 */
async function warm(t: ScheduleWorld) {
  await tickAndPoll(t.deps)
  await tickAndPoll(t.deps)
  await t.finishRuns()
  t.crmCalls.length = 0
}

/** Moves the world's clock to the next minute that is (or is not) the tenant's watch minute. */
function toMinute(t: ScheduleWorld, watch: boolean) {
  watchOn(t)
  do t.crm.clock.advance(60_000)
  while (
    isWatchMinute(
      t.tenant.id,
      Math.floor(t.deps.now() / 60_000),
      t.deps.limits.segmentWatchEveryMinutes
    ) !== watch
  )
}

describe('scheduler tick', () => {
  it('first poll starts the cursor at "now" and reconciles every following sync once', async () => {
    const t = await makeScheduleWorld()
    await t.crm.recalculate('dyn', { add: 3, remove: 0 }) // history before the first poll
    const dyn = await t.sync('dyn')
    const stat = await t.sync('stat')
    const all = await t.sync(null)
    const first = await tickAndPoll(t.deps)
    expect(first.started).toEqual([t.tenant.id])
    expect((await t.tenantRow()).historySinceId).toBe(3) // the newest id, not a replay
    // The next minute's tick marks the reconcile the first poll asked for and starts it.
    const report = await tickAndPoll(t.deps)
    const tenant = await t.tenantRow()
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
    // Nothing changed: one request a minute, the history, or on the watch minute the counts.
    await t.finishRuns()
    toMinute(t, false)
    t.crmCalls.length = 0
    const again = await tickAndPoll(t.deps)
    expect(again.dispatch.started).toEqual([])
    expect(again.idle).toEqual([t.tenant.id])
    expect(t.crmCalls).toEqual(['/api/v5/customers/history'])
    toMinute(t, true)
    t.crmCalls.length = 0
    expect((await tickAndPoll(t.deps)).dispatch.started).toEqual([])
    expect(t.crmCalls).toEqual(['/api/v5/segments'])
  })

  it('a recalculation of a synced segment starts that sync on the next tick', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn', { mode: 'union' })
    const other = await t.sync('other')
    await warm(t)
    const r = await t.crm.recalculate('dyn', { add: 5, remove: 2 })
    expect(r.added).toBe(5)
    const report = await tickAndPoll(t.deps)
    expect(report.dispatch.started.map((s) => [s.syncId, s.trigger])).toEqual([[dyn.id, 'change']])
    expect(await t.pending()).toEqual([1, 2, 501, 502, 503, 504, 505])
    expect((await t.tenantRow()).historySinceId).toBe(7)
    expect((await t.runsOf(other.id)).length).toBe(1) // only its first reconcile
    // Counts moved together with the history: no second, count-triggered run was marked.
    expect((await t.syncRow(dyn.id)).nextRunAt).toBeNull()
    expect((await t.syncRow(dyn.id)).lastSeenCustomersCount).toBe(503)
  })

  it('one queued poll records a backlog of several pages and starts one run for it', async () => {
    const t = await makeScheduleWorld({ limits: { queueHistoryPages: 5 } })
    const dyn = await t.sync('dyn')
    await warm(t)
    await t.crm.recalculate('dyn', { add: 250, remove: 0 })
    const report = await tickAndPoll(t.deps)
    expect(report.handedOff).toEqual([t.tenant.id])
    expect((await t.tenantRow()).historySinceId).toBe(250)
    expect((await t.tenantRow()).historyPollUntil).toBeNull()
    expect(report.dispatch.started.map((s) => [s.syncId, s.kind])).toEqual([
      [dyn.id, 'incremental'],
    ])
    // The incremental run reads the 250 recorded changes; it moves the watermark itself.
    expect((await t.pending()).length).toBe(250)
    expect((await t.syncRow(dyn.id)).historyAppliedId).toBe(0)
    // The slice's check (one page) and the queued poll's three pages.
    expect(t.crmCalls.filter((c) => c.endsWith('/history')).length).toBe(4)
  })

  it('hands news to a queued poll and leaves that cursor to it while it holds the lease', async () => {
    const t = await makeScheduleWorld({ limits: { queueHistoryPages: 1 } })
    await t.sync('dyn')
    await warm(t)
    await t.crm.recalculate('dyn', { add: 250, remove: 0 })
    const report = await tickAndPoll(t.deps, { historyPolls: false })
    expect(report.handedOff).toEqual([t.tenant.id])
    const poll = { type: 'poll-history' as const, tenantId: t.tenant.id }
    expect(report.polls).toContainEqual(poll)
    expect((await t.tenantRow()).historySinceId).toBe(0) // the check records nothing itself
    expect((await t.tenantRow()).historyPollUntil).toBeGreaterThan(t.deps.now())
    expect(await pollHistoryStep(t.deps, poll, 1)).toEqual({ kind: 'ack' })
    expect((await t.tenantRow()).historySinceId).toBe(100) // one page per message here
    expect(t.sent).toContainEqual(poll) // and the rest through the queue
    t.crmCalls.length = 0
    const held = await tickAndPoll(t.deps, { historyPolls: false }) // lease held: not checked
    expect(held.sent).toEqual([])
    expect(t.crmCalls.filter((c) => c.endsWith('/history'))).toEqual([])
  })

  it('an email change or an opt-out of a member starts the sync; non-members do not', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    const other = await t.sync('other')
    await warm(t)
    await t.crm.changeEmail(10, 'new-address@example.com')
    let report = await tickAndPoll(t.deps)
    expect(report.dispatch.started.map((s) => [s.syncId, s.kind])).toEqual([[dyn.id, 'full']])
    await t.finishRuns()
    await t.crm.unsubscribe(20)
    report = await tickAndPoll(t.deps)
    expect(report.dispatch.started.map((s) => s.syncId)).toEqual([dyn.id])
    await t.finishRuns()
    await t.crm.setEmailSubscription(1500, false) // not in dyn nor in other
    report = await tickAndPoll(t.deps)
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
    const report = await tickAndPoll(t.deps)
    const ids = report.dispatch.started.map((s) => s.syncId).sort((a, b) => a - b)
    expect(ids).toEqual([exact.id, union.id])
    expect(report.dispatch.busy).toEqual([unrelated.id])
    // The busy sync has not covered the changes yet: they stay recorded for it.
    expect(await t.pending()).toEqual([30, 1050])
    // For subtraction a merge only matters through the target (now in "other"): incremental.
    expect((await t.syncRow(unrelated.id)).nextRunKind).toBe('incremental')
    expect(report.dispatch.started.find((s) => s.syncId === exact.id)?.kind).toBe('full')
    await t.finishRuns()
    const next = await tickAndPoll(t.deps)
    expect(next.dispatch.started.map((s) => s.syncId)).toEqual([unrelated.id])
  })

  it('a new customer reaches an "all customers" sync', async () => {
    const t = await makeScheduleWorld()
    const all = await t.sync(null, { mode: 'union' })
    await warm(t)
    await t.crm.createCustomer('fresh@example.com')
    const report = await tickAndPoll(t.deps)
    expect(report.dispatch.started.map((s) => s.syncId)).toEqual([all.id])
  })
})

describe('a tenant without syncs yet', () => {
  it('keeps a cursor, so its first sync runs in full once and then incrementally', async () => {
    const t = await makeScheduleWorld()
    await tickAndPoll(t.deps) // connected, no syncs: cursor starts, nothing to reconcile
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
    const busy = await tickAndPoll(t.deps) // the create run is still going: no duplicate
    expect(busy.dispatch.started).toEqual([])
    expect(busy.dispatch.busy).toEqual([dyn.id])
    await t.finishRuns()
    const next = await tickAndPoll(t.deps)
    expect(next.dispatch.started.map((s) => [s.trigger, s.kind])).toEqual([
      ['change', 'incremental'],
    ])
    expect(await t.pending()).toEqual([501, 502, 503])
  })

  it('is polled every few minutes once it has a cursor', async () => {
    const t = await makeScheduleWorld({ limits: { idlePollEveryMinutes: 10 } })
    await tickAndPoll(t.deps)
    let polls = 0
    for (let i = 0; i < 10; i++) {
      t.crmCalls.length = 0
      t.crm.clock.advance(60_000)
      await tickAndPoll(t.deps)
      if (t.crmCalls.length > 0) polls++
    }
    expect(polls).toBe(1)
  })
})

describe('the tick itself', () => {
  it('polls no shop: it sends the due tenants to the queue in slices', async () => {
    const t = await makeScheduleWorld()
    await t.sync('dyn')
    const r = await runTick(t.deps)
    expect(t.crmCalls).toEqual([])
    expect(r.sent).toEqual([t.tenant.id])
    expect(r.slices).toBe(1)
    expect(t.sent).toEqual([
      { type: 'poll-tenants', tenantIds: [t.tenant.id], at: t.deps.now(), shard: 0 },
    ])
  })

  it('a tenant whose backlog a queued poll holds is not sent again', async () => {
    const t = await makeScheduleWorld()
    await t.sync('dyn')
    await warm(t)
    await t.crm.recalculate('dyn', { add: 3, remove: 0 })
    const first = await tickAndPoll(t.deps, { historyPolls: false })
    expect(first.handedOff).toEqual([t.tenant.id])
    const again = await runTick(t.deps)
    expect(again.sent).toEqual([])
  })

  it('slices hold pollSliceSize ids and go 100 messages per sendBatch', async () => {
    const t = await makeScheduleWorld({ limits: { pollSliceSize: 2 } })
    const batches: number[] = []
    const deps = {
      ...t.deps,
      queue: {
        sendBatch: async (b: unknown[]) => {
          batches.push(b.length)
        },
      } as unknown as typeof t.deps.queue,
    }
    const ids = Array.from({ length: 401 }, (_, i) => i + 1)
    expect(await sendSlices(deps, ids, 0)).toBe(201)
    expect(batches).toEqual([100, 100, 1])
  })
})
