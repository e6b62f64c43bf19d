import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/clients/errors'
import { createDb } from '../../../src/db/client'
import { getTenant, isTenantLive, markTenantBroken } from '../../../src/db/queries/tenants'
import { getTenantCrmClient } from '../../../src/tenants/crm-client'
import { fakeCrm } from '../../support/fake-crm'
import { makeConnectedTenant } from '../../support/session'

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

describe('getTenantCrmClient', () => {
  it("calls the tenant's CRM with the decrypted key", async () => {
    const { tenant, apiKey } = await makeConnectedTenant({
      systemUrl: 'https://keyed.retailcrm.pro',
    })
    const crm = fakeCrm('https://keyed.retailcrm.pro', { apiKey })
    await (await getTenantCrmClient(env, tenant)).getCredentials()
    expect(crm.calls).toEqual([
      { method: 'GET', path: '/api/credentials', apiKey, module: undefined },
    ])
  })

  it('surfaces a refused key as an auth ApiError (the engine then marks the tenant broken)', async () => {
    const { tenant } = await makeConnectedTenant({ systemUrl: 'https://revoked.retailcrm.ru' })
    fakeCrm('https://revoked.retailcrm.ru', { apiKey: 'some-other-key' })
    const err = await (await getTenantCrmClient(env, tenant)).getCredentials().catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.kind).toBe('auth')
  })

  it("refuses a ciphertext moved to another tenant's row", async () => {
    const a = await makeConnectedTenant()
    const b = await makeConnectedTenant()
    await expect(
      getTenantCrmClient(env, { ...b.tenant, crmApiKeyEnc: a.tenant.crmApiKeyEnc })
    ).rejects.toThrow()
  })
})
