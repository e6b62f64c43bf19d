import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { tenants } from '../../src/db/schema'
import { emptyCounts, meterD1 } from '../../src/lib/metering'
import type { CrmPort } from '../../src/schedule/deps'
import { isWatchMinute, pollSliceStep } from '../../src/schedule/poll-slice'
import { tickAndPoll } from '../support/schedule-queue'
import {
  makeConnectedTenant,
  makeScheduleWorld,
  type ScheduleWorld,
  watchOn,
} from '../support/world'

/** First poll (cursor), first reconcile started and finished: the shop is idle from here on. */
async function warm(t: ScheduleWorld) {
  await tickAndPoll(t.deps)
  await tickAndPoll(t.deps)
  await t.finishRuns()
  t.crmCalls.length = 0
}

function toMinute(t: ScheduleWorld, watch: boolean) {
  watchOn(t)
  const every = t.deps.limits.segmentWatchEveryMinutes
  do t.crm.clock.advance(60_000)
  while (isWatchMinute(t.tenant.id, Math.floor(t.deps.now() / 60_000), every) !== watch)
}

describe('an idle shop', () => {
  it('costs one CRM request a minute and writes no D1 row (tick and slice together)', async () => {
    const t = await makeScheduleWorld()
    await t.sync('dyn')
    await t.sync(null)
    await warm(t)
    toMinute(t, true) // the first watch records the segment counts (once)
    await tickAndPoll(t.deps)
    t.crmCalls.length = 0
    const counts = emptyCounts()
    const deps = { ...t.deps, db: createDb(meterD1(env.DB, counts)) }
    toMinute(t, false)
    const r = await tickAndPoll(deps)
    expect(r.idle).toEqual([t.tenant.id])
    expect(t.crmCalls).toEqual(['/api/v5/customers/history'])
    expect(counts.rowsWritten).toBe(0)
    expect(counts.d1Statements).toBeGreaterThan(0) // it did read (the meter works)
    // Its watch minute reads the segment counts instead of the history: still one request, and
    // no write while they stand still.
    toMinute(t, true)
    t.crmCalls.length = 0
    expect((await tickAndPoll(deps)).idle).toEqual([t.tenant.id])
    expect(t.crmCalls).toEqual(['/api/v5/segments'])
    expect(counts.rowsWritten).toBe(0)
  })

  it('a change during its watch minute waits one minute for the history, and is not lost', async () => {
    const t = await makeScheduleWorld()
    const all = await t.sync(null)
    await t.sync('dyn')
    await warm(t)
    toMinute(t, true)
    await tickAndPoll(t.deps) // the first watch records the counts
    toMinute(t, true)
    await t.crm.createCustomer('new-at-watch@example.com') // no segment count moves
    const before = (await t.runsOf(all.id)).length
    t.crmCalls.length = 0
    const watch = await tickAndPoll(t.deps)
    expect(watch.idle).toEqual([t.tenant.id])
    expect(t.crmCalls).toEqual(['/api/v5/segments'])
    expect((await t.runsOf(all.id)).length).toBe(before)
    t.crm.clock.advance(60_000)
    const next = await tickAndPoll(t.deps)
    expect(next.handedOff).toEqual([t.tenant.id])
    const runs = await t.runsOf(all.id)
    expect(runs.length).toBe(before + 1)
    expect([runs.at(-1)?.kind, runs.at(-1)?.trigger]).toEqual(['incremental', 'change'])
  })

  it('moved counts on its watch minute are judged with the history: a recalculation it shows takes no full run', async () => {
    const t = await makeScheduleWorld()
    const dyn = await t.sync('dyn', { mode: 'union' })
    await warm(t)
    toMinute(t, true)
    await tickAndPoll(t.deps) // the first watch records the counts
    const seen = (await t.syncRow(dyn.id)).lastSeenCustomersCount!
    toMinute(t, true)
    await t.crm.recalculate('dyn', { add: 3, remove: 0 })
    t.crmCalls.length = 0
    const r = await tickAndPoll(t.deps)
    expect(r.handedOff).toEqual([t.tenant.id])
    expect(t.crmCalls.slice(0, 2)).toEqual(['/api/v5/segments', '/api/v5/customers/history'])
    expect((await t.syncRow(dyn.id)).lastSeenCustomersCount).toBe(seen + 3)
    expect((await t.runsOf(dyn.id)).at(-1)?.kind).toBe('incremental')
  })
})

describe('a slice', () => {
  it('one broken shop and one that hangs do not hold up the others', async () => {
    const t = await makeScheduleWorld({ limits: { pollTenantTimeoutMs: 50 } })
    await t.sync('dyn')
    await warm(t)
    const broken = (await makeConnectedTenant({ overrides: { historySinceId: 0 } })).tenant
    const slow = (await makeConnectedTenant({ overrides: { historySinceId: 0 } })).tenant
    const real = t.deps.crm
    const hanging: CrmPort = {
      customersHistory: () => new Promise(() => {}),
      listCustomers: () => new Promise(() => {}),
      listSegments: () => new Promise(() => {}),
    }
    t.deps.crm = async (tenant) =>
      tenant.id === broken.id
        ? t.client('not-a-key')
        : tenant.id === slow.id
          ? hanging
          : real(tenant)
    await t.crm.recalculate('dyn', { add: 2, remove: 0 })
    const ids = [slow.id, broken.id, t.tenant.id]
    const r = await pollSliceStep(t.deps, { tenantIds: ids, at: t.deps.now() })
    expect(r.handedOff).toEqual([t.tenant.id])
    expect(r.broken).toEqual([broken.id])
    expect(r.failed).toEqual([slow.id])
    expect(t.sent).toContainEqual({ type: 'poll-history', tenantId: t.tenant.id })
    const row = async (id: number) =>
      (await t.db.select().from(tenants).where(eq(tenants.id, id)))[0]!
    expect((await row(broken.id)).brokenReason).toMatch(/RetailCRM refused/)
    expect((await row(slow.id)).brokenReason).toBeNull()
    expect((await row(slow.id)).historySinceId).toBe(0)
  })

  it('a slice delivered long after its tick is dropped without a request', async () => {
    const t = await makeScheduleWorld()
    await t.sync('dyn')
    await warm(t)
    const at = t.deps.now() - t.deps.limits.pollSliceMaxAgeMs - 1
    const r = await pollSliceStep(t.deps, { tenantIds: [t.tenant.id], at })
    expect(r.stale).toBe(true)
    expect(t.crmCalls).toEqual([])
  })

  it('a tenant that is no longer live is skipped', async () => {
    const t = await makeScheduleWorld()
    await t.sync('dyn')
    await warm(t)
    await t.db.update(tenants).set({ frozen: true }).where(eq(tenants.id, t.tenant.id))
    const r = await pollSliceStep(t.deps, { tenantIds: [t.tenant.id], at: t.deps.now() })
    expect([r.idle, r.handedOff, r.failed]).toEqual([[], [], []])
    expect(t.crmCalls).toEqual([])
  })
})
