import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/clients/errors'
import { syncs, tenants } from '../../src/db/schema'
import { type DispatchTenants, dispatchSliceStep } from '../../src/schedule/dispatch-slice'
import { pollHistoryStep } from '../../src/schedule/poll-message'
import { isWatchMinute } from '../../src/schedule/poll-slice'
import { SEGMENT_MISSING } from '../../src/sync'
import { makeRun } from '../support/fixtures'
import { tickAndPoll } from '../support/schedule-queue'
import { makeScheduleWorld, type ScheduleWorld, watchOn } from '../support/world'

type T = ScheduleWorld

/** First poll (cursor), then the first reconcile (started by the next minute's tick), finished. */
async function warm(t: T) {
  await tickAndPoll(t.deps)
  await tickAndPoll(t.deps)
  await t.finishRuns()
  t.crmCalls.length = 0
}

/** Moves the clock to the tenant's next segment-watch minute (poll-slice.ts isWatchMinute). */
function toWatchMinute(t: T) {
  watchOn(t)
  const every = t.deps.limits.segmentWatchEveryMinutes
  do t.crm.clock.advance(60_000)
  while (!isWatchMinute(t.tenant.id, Math.floor(t.deps.now() / 60_000), every))
}

/** A sync whose run never ends, so it never claims its marks and keeps pending rows alive. */
async function keeper(t: T) {
  const s = await t.sync('dyn', { mode: 'union' })
  return s
}

describe('cursor safety', () => {
  it('a failure between pages keeps every recorded page and resumes at the next one', async () => {
    const t = await makeScheduleWorld({ limits: { queueHistoryPages: 5 } })
    const dyn = await t.sync('dyn')
    const hold = await keeper(t)
    await warm(t)
    await makeRun(t.tenant.id, hold.id, { status: 'running' })
    await t.crm.recalculate('dyn', { add: 250, remove: 0 }) // customers 501..750, ids 1..250
    let historyCalls = 0
    const real = t.deps.crm
    t.deps.crm = async (tenant) => {
      const c = await real(tenant)
      return {
        ...c,
        customersHistory: async (p) => {
          historyCalls++
          // Call 1 is the slice's check, 2 the queued poll's first page: its second page fails.
          if (historyCalls === 3) throw new ApiError('retailcrm', 'retryable', '502', 'boom')
          return c.customersHistory(p)
        },
      }
    }
    const failed = await tickAndPoll(t.deps)
    const poll = { type: 'poll-history' as const, tenantId: t.tenant.id }
    expect(failed.retry).toEqual([poll])
    expect((await t.tenantRow()).historySinceId).toBe(100)
    const first = await t.pending()
    expect(first.length).toBe(100)
    expect(first[0]).toBe(501)
    expect(first.at(-1)).toBe(600)
    // Page 1 is recorded with its mark, but the queued poll holds the lease: the run waits for
    // the whole backlog (the tick's own dispatch leaves a leased tenant alone).
    expect(failed.dispatch.started).toEqual([])
    expect((await t.syncRow(dyn.id)).nextRunKind).toBe('incremental')
    expect((await tickAndPoll(t.deps)).dispatch.started).toEqual([])

    // The queue redelivers the poll: it resumes at page 2, and after a poll of more than one page
    // its runs start through a dispatch-tenants message of the tenant: one run for all of it.
    const before = t.sent.length
    const ok = await pollHistoryStep(t.deps, poll, 2)
    expect(ok).toEqual({ kind: 'ack', dispatch: undefined })
    const handed = t.sent
      .slice(before)
      .filter((m): m is DispatchTenants => (m as { type?: string }).type === 'dispatch-tenants')
    expect(handed.map((m) => m.tenants.map((x) => x.id))).toEqual([[t.tenant.id]])
    const started = await dispatchSliceStep(t.deps, handed[0]!)
    expect(started.started.map((s) => s.syncId)).toEqual([dyn.id])
    expect((await t.tenantRow()).historySinceId).toBe(250)
    const all = await t.pending()
    expect(all.length).toBe(250)
    expect(all.at(-1)).toBe(750)
  })

  it('a failed customer lookup records nothing and leaves the cursor where it was', async () => {
    const t = await makeScheduleWorld()
    await t.sync('dyn')
    await warm(t)
    await t.crm.changeEmail(10, 'x@example.com')
    const real = t.deps.crm
    t.deps.crm = async (tenant) => {
      const c = await real(tenant)
      return {
        ...c,
        listCustomers: async () => {
          throw new ApiError('retailcrm', 'retryable', '503', 'busy')
        },
      }
    }
    const before = (await t.tenantRow()).historySinceId
    const r = await tickAndPoll(t.deps)
    expect(r.retry.map((m) => m.tenantId)).toEqual([t.tenant.id])
    expect((await t.tenantRow()).historySinceId).toBe(before)
    expect(r.dispatch.started).toEqual([])
    t.deps.crm = real
    const again = await pollHistoryStep(t.deps, r.retry[0]!, 2)
    expect(again.kind === 'ack' && again.dispatch?.started.length).toBe(1)
  })
})

describe('concurrency', () => {
  it('two cron ticks at once start each run once and advance the cursor once', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    const all = await t.sync(null)
    await Promise.all([tickAndPoll(t.deps), tickAndPoll(t.deps)]) // both start the cursor
    const [a, b] = await Promise.all([tickAndPoll(t.deps), tickAndPoll(t.deps)])
    const firstStarts = [...a.dispatch.started, ...b.dispatch.started].map((s) => s.syncId)
    expect(firstStarts.sort()).toEqual([dyn.id, all.id].sort())
    await t.finishRuns()
    await t.crm.recalculate('dyn', { add: 4, remove: 0 })
    const [c, d] = await Promise.all([tickAndPoll(t.deps), tickAndPoll(t.deps)])
    // Membership changes concern the segment's sync only ("all customers" follows new customers).
    const starts = [...c.dispatch.started, ...d.dispatch.started].map((s) => s.syncId)
    expect(starts).toEqual([dyn.id])
    expect((await t.runsOf(dyn.id)).length).toBe(2)
    expect((await t.tenantRow()).historySinceId).toBe(4)
  })

  it('does not start a second run while one is active, and starts it after', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    await warm(t)
    const active = await makeRun(t.tenant.id, dyn.id, { status: 'running', trigger: 'create' })
    await t.crm.recalculate('dyn', { add: 2, remove: 0 })
    const r = await tickAndPoll(t.deps)
    expect(r.dispatch.started).toEqual([])
    expect(r.dispatch.busy).toEqual([dyn.id])
    expect((await t.runsOf(dyn.id)).filter((x) => x.status !== 'done').map((x) => x.id)).toEqual([
      active.id,
    ])
    await t.finishRuns()
    const next = await tickAndPoll(t.deps)
    expect(next.dispatch.started.map((s) => [s.syncId, s.trigger])).toEqual([[dyn.id, 'change']])
  })
})

describe('skipped tenants and syncs', () => {
  for (const [name, patch] of [
    ['paused (inactive in the marketplace)', { active: false }],
    ['frozen', { frozen: true }],
    ['broken', { brokenReason: 'RetailCRM refused the key' }],
  ] as const) {
    it(`a ${name} tenant is neither polled nor run, and restarts cleanly`, async () => {
      const t = await makeScheduleWorld()
      const dyn = await t.sync('dyn')
      await warm(t)
      await t.db.update(tenants).set(patch).where(eq(tenants.id, t.tenant.id))
      await t.db
        .update(syncs)
        .set({ nextRunAt: 0, nextRunKind: 'full' })
        .where(eq(syncs.id, dyn.id))
      await t.crm.recalculate('dyn', { add: 2, remove: 0 })
      const r = await tickAndPoll(t.deps)
      expect(t.crmCalls).toEqual([])
      expect(r.dispatch.started).toEqual([])
      // Its cursor is forgotten: on return it starts at "now" with a full reconcile.
      expect((await t.tenantRow()).historySinceId).toBeNull()
      await t.db
        .update(tenants)
        .set({ active: true, frozen: false, brokenReason: null })
        .where(eq(tenants.id, t.tenant.id))
      await tickAndPoll(t.deps) // the first poll after the return starts the cursor at "now"
      expect((await t.tenantRow()).historySinceId).toBe(2)
      const back = await tickAndPoll(t.deps)
      expect(back.dispatch.started.map((s) => s.trigger)).toEqual(['reconcile'])
    })
  }

  it('a paused sync is not started, even when marked', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    const paused = await t.sync('dyn', { state: 'paused', pausedReason: 'user' })
    await warm(t)
    await t.crm.recalculate('dyn', { add: 2, remove: 0 })
    const r = await tickAndPoll(t.deps)
    expect(r.dispatch.started.map((s) => s.syncId)).toEqual([dyn.id])
    expect(await t.runsOf(paused.id)).toEqual([])
  })

  it('a 401/403 from the CRM marks the tenant broken and stops polling it', async () => {
    const t = await makeScheduleWorld()
    await t.sync('dyn')
    t.deps.crm = async () => t.client('not-a-key')
    const r = await tickAndPoll(t.deps)
    expect(r.broken).toEqual([t.tenant.id])
    expect((await t.tenantRow()).brokenReason).toMatch(/RetailCRM refused/)
    expect(r.dispatch.started).toEqual([])
    t.crmCalls.length = 0
    await tickAndPoll(t.deps)
    expect(t.crmCalls).toEqual([])
  })
})

describe('segments', () => {
  it('a segment deleted in the CRM fails the sync visibly and leaves the list alone', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    const other = await t.sync('other')
    await warm(t)
    await env.SANDBOX_DB.prepare('DELETE FROM crm_segments WHERE shop = ? AND code = ?')
      .bind(t.crm.shopCode, 'dyn')
      .run()
    toWatchMinute(t) // an idle shop's segments are read on its watch minute
    const r = await tickAndPoll(t.deps)
    expect(r.dispatch.started).toEqual([])
    const failed = (await t.runsOf(dyn.id)).filter((x) => x.status === 'failed')
    expect(failed.length).toBe(1)
    expect(failed[0]!.errorCode).toBe(SEGMENT_MISSING)
    expect(failed[0]!.errorMessage).toMatch(/no longer exists/)
    const row = await t.syncRow(dyn.id)
    expect([row.state, row.pausedReason]).toEqual(['paused', SEGMENT_MISSING])
    expect((await t.syncRow(other.id)).state).toBe('active')
    // Reported once, not every minute (nor every watch minute).
    toWatchMinute(t)
    await tickAndPoll(t.deps)
    expect((await t.runsOf(dyn.id)).filter((x) => x.status === 'failed').length).toBe(1)
    // No request ever went to Unisender (the offline guard would fail the test).
  })

  it('a count that moved without history entries takes a full run', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    await warm(t)
    toWatchMinute(t)
    await tickAndPoll(t.deps) // the watch minute of an idle shop reads the counts
    expect((await t.syncRow(dyn.id)).lastSeenCustomersCount).toBe(500)
    await t.db.update(syncs).set({ lastSeenCustomersCount: 480 }).where(eq(syncs.id, dyn.id))
    toWatchMinute(t)
    const seen = await tickAndPoll(t.deps) // the watch marks the full run ...
    expect((await t.syncRow(dyn.id)).nextRunKind).toBe('full')
    expect((await t.syncRow(dyn.id)).lastSeenCustomersCount).toBe(500)
    expect(seen.dispatch.started).toEqual([])
    const r = await tickAndPoll(t.deps) // ... which the next minute's tick starts
    expect(r.dispatch.started.map((s) => [s.syncId, s.trigger, s.kind])).toEqual([
      [dyn.id, 'change', 'full'],
    ])
  })
})

describe('reconcile backstop', () => {
  it('reconciles following syncs a day after their last full run, never static ones', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    const stat = await t.sync('stat')
    const all = await t.sync(null)
    await warm(t)
    t.crm.clock.advance(20 * 3_600_000)
    expect((await tickAndPoll(t.deps)).dispatch.started).toEqual([])
    t.crm.clock.advance(7 * 3_600_000) // > 24 h + the 2 h jitter window
    const r = await tickAndPoll(t.deps)
    const started = r.dispatch.started.map((s) => [s.syncId, s.trigger])
    expect(started.sort()).toEqual(
      [
        [dyn.id, 'reconcile'],
        [all.id, 'reconcile'],
      ].sort()
    )
    expect(await t.runsOf(stat.id)).toEqual([])
  })

  it('after a failed full run, retries 6 hours later rather than every minute', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    await tickAndPoll(t.deps)
    await tickAndPoll(t.deps)
    const [run] = await t.runsOf(dyn.id)
    const { runs } = await import('../../src/db/schema')
    await t.db.update(runs).set({ status: 'failed' }).where(eq(runs.id, run!.id))
    t.crm.clock.advance(5 * 3_600_000)
    expect((await tickAndPoll(t.deps)).dispatch.started).toEqual([])
    t.crm.clock.advance(3_600_000)
    const r = await tickAndPoll(t.deps)
    expect(r.dispatch.started.map((s) => s.trigger)).toEqual(['reconcile'])
  })

  it('a reconnect (last_reconcile_at cleared) reconciles every following sync', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn')
    await warm(t)
    await t.db.update(tenants).set({ lastReconcileAt: null }).where(eq(tenants.id, t.tenant.id))
    const r = await tickAndPoll(t.deps)
    expect(r.dispatch.started.map((s) => [s.syncId, s.trigger])).toEqual([[dyn.id, 'reconcile']])
    expect((await t.tenantRow()).lastReconcileAt).not.toBeNull()
  })
})
