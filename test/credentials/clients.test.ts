/** Clients built from stored credentials: the decrypted key goes only to the tenant's own CRM. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/clients/errors'
import { clientSettings, tenantCrmClient } from '../../src/credentials/clients'
import { fakeCrm } from '../support/fake-crm'
import { makeConnectedTenant } from '../support/world'

describe('tenantCrmClient', () => {
  it("calls the tenant's CRM with the decrypted key", async () => {
    const { tenant, apiKey } = await makeConnectedTenant({
      systemUrl: 'https://keyed.retailcrm.pro',
    })
    const crm = fakeCrm('https://keyed.retailcrm.pro', { apiKey })
    await (await tenantCrmClient(clientSettings(env), tenant)).getCredentials()
    expect(crm.calls).toEqual([
      { method: 'GET', path: '/api/credentials', apiKey, module: undefined },
    ])
  })

  it('surfaces a refused key as an auth ApiError (the engine then marks the tenant broken)', async () => {
    const { tenant } = await makeConnectedTenant({ systemUrl: 'https://revoked.retailcrm.ru' })
    fakeCrm('https://revoked.retailcrm.ru', { apiKey: 'some-other-key' })
    const err = await (await tenantCrmClient(clientSettings(env), tenant))
      .getCredentials()
      .catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.kind).toBe('auth')
  })

  it("refuses a ciphertext moved to another tenant's row", async () => {
    const a = await makeConnectedTenant()
    const b = await makeConnectedTenant()
    await expect(
      tenantCrmClient(clientSettings(env), { ...b.tenant, crmApiKeyEnc: a.tenant.crmApiKeyEnc })
    ).rejects.toThrow()
  })
})
