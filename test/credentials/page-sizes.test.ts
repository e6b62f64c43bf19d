/**
 * A tenant's page sizes in D1: 250 until its CRM refuses it on an endpoint, then 100 for that
 * endpoint only, written once; a client built from the tenant row reads and updates them.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { clientSettings, tenantCrmClient } from '../../src/credentials/clients'
import {
  pageSizeOf,
  rememberSafePages,
  storedPageSize,
  tenantPageSizes,
} from '../../src/credentials/page-sizes'
import { outbound } from '../support/outbound'
import { makeConnectedTenant } from '../support/world'

async function row(id: number) {
  return env.DB.prepare(
    'SELECT crm_customers_page AS c, crm_history_page AS h FROM tenants WHERE id = ?'
  )
    .bind(id)
    .first<{ c: number | null; h: number | null }>()
}

describe('tenant page sizes', () => {
  it('asks 250 until a refusal is stored, per endpoint', async () => {
    const { tenant } = await makeConnectedTenant()
    expect(await storedPageSize(env.DB, tenant.id, 'customers')).toBe(250)
    await rememberSafePages(env.DB, tenant.id, 'customers')
    expect(await storedPageSize(env.DB, tenant.id, 'customers')).toBe(100)
    expect(await storedPageSize(env.DB, tenant.id, 'history')).toBe(250)
    expect(await row(tenant.id)).toEqual({ c: 100, h: null })
    expect([pageSizeOf(null), pageSizeOf(250), pageSizeOf(100), pageSizeOf(50)]).toEqual([
      250, 250, 100, 100,
    ])
  })

  it('seeds the memory from the row and writes a refusal through once', async () => {
    const { tenant } = await makeConnectedTenant({ overrides: { crmCustomersPage: 100 } })
    const m = tenantPageSizes(env.DB, tenant)
    expect([m.limit('customers'), m.limit('history')]).toEqual([100, 250])
    await m.refused('history')
    expect(m.limit('history')).toBe(100)
    expect(await row(tenant.id)).toEqual({ c: 100, h: 100 })
  })

  it("a tenant's client falls back on history and the next client starts at 100", async () => {
    const { tenant, apiKey } = await makeConnectedTenant({
      systemUrl: 'https://sizes.retailcrm.ru',
    })
    const asked: string[] = []
    outbound.route('https://sizes.retailcrm.ru', (req) => {
      expect(req.headers.get('x-api-key')).toBe(apiKey)
      const limit = new URL(req.url).searchParams.get('limit')!
      asked.push(limit)
      if (limit === '250')
        return Response.json({ success: false, errorMsg: 'Validation error' }, { status: 400 })
      return Response.json({
        success: true,
        pagination: { limit: 100, totalCount: 0, currentPage: 1, totalPageCount: 0 },
        history: [],
      })
    })
    const first = await tenantCrmClient(clientSettings(env), tenant)
    await first.customersHistory({ sinceId: 5, limit: 'auto' })
    expect(await row(tenant.id)).toEqual({ c: null, h: 100 })
    const reloaded = { ...tenant, crmHistoryPage: (await row(tenant.id))!.h }
    await (await tenantCrmClient(clientSettings(env), reloaded)).customersHistory({
      sinceId: 5,
      limit: 'auto',
    })
    expect(asked).toEqual(['250', '100', '100'])
  })
})
