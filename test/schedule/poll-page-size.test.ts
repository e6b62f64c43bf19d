/**
 * The poller's history reads after the cursor ask for 250 entries a page where the shop's CRM serves
 * it (`limit: 'auto'`, remembered per tenant) and 100 where it refuses: sinceId paging does not
 * depend on the size, and whether more is left comes from the answer's page count.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createRetailCrmClient } from '../../src/clients/retailcrm'
import { tenantPageSizes } from '../../src/credentials/page-sizes'
import { pollTenantHistory } from '../../src/schedule/poll'
import { makeScheduleWorld, type ScheduleWorld } from '../support/world'

/** A client of the tenant as the scheduler builds it (its page-size memory), counting history reads. */
async function tenantClient(t: ScheduleWorld, calls: string[]) {
  return createRetailCrmClient({
    systemUrl: t.crm.systemUrl,
    apiKey: await t.crm.issueKey(),
    limiter: { acquire: async () => t.crm.clock.advance(100) },
    pageSizes: tenantPageSizes(env.DB, await t.tenantRow()),
    onCall: (e) => calls.push(e),
  })
}

async function started(history250: 'accept' | 'refuse') {
  const t = await makeScheduleWorld()
  const dyn = await t.sync('dyn')
  t.crm.faults.set({ history250 })
  await pollTenantHistory(t.deps, await t.tenantRow(), await t.client(), 1)
  expect((await t.tenantRow()).historySinceId).toBe(0)
  await t.crm.recalculate('dyn', { add: 150, remove: 0 }) // 150 entries
  return { t, dyn }
}

const historyReads = (calls: string[]) => calls.filter((c) => c.endsWith('/history')).length

describe('history page size of the poller', () => {
  it('a CRM serving 250: one page reads all 150 changes, nothing is stored about the size', async () => {
    const { t, dyn } = await started('accept')
    const calls: string[] = []
    const res = await pollTenantHistory(
      t.deps,
      await t.tenantRow(),
      await tenantClient(t, calls),
      1
    )
    expect(res).toMatchObject({ status: 'done', pages: 1 })
    expect(historyReads(calls)).toBe(1)
    const row = await t.tenantRow()
    expect(row.historySinceId).toBe(150)
    expect(row.crmHistoryPage ?? null).toBe(null)
    expect((await t.syncRow(dyn.id)).nextRunKind).toBe('incremental')
  })

  it('a CRM refusing 250: 100 a page from the same cursor, remembered, and the rest follows', async () => {
    const { t } = await started('refuse')
    const calls: string[] = []
    const first = await pollTenantHistory(
      t.deps,
      await t.tenantRow(),
      await tenantClient(t, calls),
      1
    )
    // The refused 250 and the same page at 100; two pages are left, so more.
    expect(first).toMatchObject({ status: 'more', pages: 1 })
    expect(historyReads(calls)).toBe(2)
    expect((await t.tenantRow()).historySinceId).toBe(100)
    expect((await t.tenantRow()).crmHistoryPage).toBe(100)
    calls.length = 0
    const rest = await pollTenantHistory(
      t.deps,
      await t.tenantRow(),
      await tenantClient(t, calls),
      1
    )
    expect(rest).toMatchObject({ status: 'done', pages: 1 })
    expect(historyReads(calls)).toBe(1) // straight at 100
    expect((await t.tenantRow()).historySinceId).toBe(150)
  })
})
