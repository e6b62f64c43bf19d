import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { getTenant, isTenantLive, markTenantBroken } from '../../../src/db/queries/tenants'
import { makeConnectedTenant } from '../../support/world'

describe('isTenantLive', () => {
  it.each([
    [{ active: true, frozen: false, brokenReason: null }, true],
    [{ active: false, frozen: false, brokenReason: null }, false],
    [{ active: true, frozen: true, brokenReason: null }, false],
    [{ active: true, frozen: false, brokenReason: 'key refused' }, false],
  ])('%j -> %s', (t, live) => {
    expect(isTenantLive(t)).toBe(live)
  })
})

describe('markTenantBroken', () => {
  it('stores the reason, which takes the tenant out of the live set', async () => {
    const db = createDb(env.DB)
    const { tenant } = await makeConnectedTenant()
    await markTenantBroken(db, tenant.id, 'RetailCRM отклонил ключ (HTTP 401)', 5000)
    const after = (await getTenant(db, tenant.id))!
    expect(after.brokenReason).toBe('RetailCRM отклонил ключ (HTTP 401)')
    expect(after.updatedAt).toBe(5000)
    expect(isTenantLive(after)).toBe(false)
  })
})
