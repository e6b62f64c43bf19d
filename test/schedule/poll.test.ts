/**
 * The history poll records what it read as one change_pages row per call (issue 17: D1 rows), with
 * the poller's re-read of every touched customer, the marks and the cursor in one batch; a failure
 * part-way records the pages read before it, so the retry neither loses nor repeats a page.
 */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/clients/errors'
import { changePages } from '../../src/db/schema'
import type { CrmPort } from '../../src/schedule/deps'
import { pollTenantHistory } from '../../src/schedule/poll'
import { decodeRecords } from '../../src/sync/incremental-records'
import { makeScheduleWorld, type ScheduleWorld } from '../support/world'

/** A world whose cursor is started, with one sync following `dyn`. */
async function started() {
  const t = await makeScheduleWorld()
  const dyn = await t.sync('dyn')
  await pollTenantHistory(t.deps, await t.tenantRow(), await t.client(), 1)
  expect((await t.tenantRow()).historySinceId).toBe(0)
  return { t, dyn }
}

const pageRows = (t: ScheduleWorld) =>
  t.db.select().from(changePages).where(eq(changePages.tenantId, t.tenant.id))

describe('pollTenantHistory', () => {
  it('records the pages of one call as one row: every touched customer re-read, once', async () => {
    const { t, dyn } = await started()
    await t.crm.recalculate('dyn', { add: 150, remove: 100 }) // 250 entries: 3 pages
    t.crmCalls.length = 0
    const res = await pollTenantHistory(t.deps, await t.tenantRow(), await t.client(), 5)
    expect(res.status).toBe('done')
    const rows = await pageRows(t)
    expect(rows.map((r) => [r.fromId, r.upTo, r.itemCount])).toEqual([[0, 250, 250]])
    const records = decodeRecords(rows[0]!.data)
    expect(new Set(records.map((r) => r.i)).size).toBe(250)
    // Joiners carry the segment's code, leavers do not.
    expect(records.filter((r) => r.s.includes('dyn'))).toHaveLength(150)
    // 3 history pages (the last one short) and one re-read by id per page.
    expect(t.crmCalls.filter((c) => c.endsWith('/history'))).toHaveLength(3)
    expect(t.crmCalls.filter((c) => c.endsWith('/customers'))).toHaveLength(3)
    expect((await t.tenantRow()).historySinceId).toBe(250)
    expect((await t.syncRow(dyn.id)).nextRunKind).toBe('incremental')
  })

  it('a failure part-way records the pages read before it; the retry goes on from there', async () => {
    const { t } = await started()
    await t.crm.recalculate('dyn', { add: 250, remove: 0 })
    const real = await t.client()
    let reads = 0
    const flaky: CrmPort = {
      customersHistory: (q) => real.customersHistory(q),
      listSegments: (q) => real.listSegments(q),
      listCustomers: (q) => {
        if (++reads === 3) throw new ApiError('retailcrm', 'retryable', 'http_503', 'Busy')
        return real.listCustomers(q)
      },
    }
    await expect(pollTenantHistory(t.deps, await t.tenantRow(), flaky, 5)).rejects.toThrow('Busy')
    expect((await pageRows(t)).map((r) => [r.fromId, r.upTo])).toEqual([[0, 200]])
    expect((await t.tenantRow()).historySinceId).toBe(200)
    await pollTenantHistory(t.deps, await t.tenantRow(), flaky, 5)
    const rows = (await pageRows(t)).sort((a, b) => a.upTo - b.upTo)
    expect(rows.map((r) => [r.fromId, r.upTo])).toEqual([
      [0, 200],
      [200, 250],
    ])
    expect(await t.pending()).toHaveLength(250)
  })

  it('a second poller of the same pages records nothing', async () => {
    const { t } = await started()
    await t.crm.recalculate('dyn', { add: 5, remove: 0 })
    const stale = await t.tenantRow()
    await pollTenantHistory(t.deps, stale, await t.client(), 5)
    await pollTenantHistory(t.deps, stale, await t.client(), 5)
    expect((await pageRows(t)).map((r) => [r.fromId, r.upTo])).toEqual([[0, 5]])
  })

  it('records nothing for a tenant that follows nothing', async () => {
    const t = await makeScheduleWorld()
    await pollTenantHistory(t.deps, await t.tenantRow(), await t.client(), 1)
    await t.crm.recalculate('dyn', { add: 5, remove: 0 })
    t.crmCalls.length = 0
    await pollTenantHistory(t.deps, await t.tenantRow(), await t.client(), 5)
    expect(await pageRows(t)).toEqual([])
    expect(t.crmCalls.filter((c) => c.endsWith('/customers'))).toEqual([])
    expect((await t.tenantRow()).historySinceId).toBe(5)
  })
})
