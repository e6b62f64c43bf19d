/**
 * End to end against the sandbox: the marketplace simulator's own connect/activity code drives the
 * module's real routes, and the module talks to the RetailCRM emulator (credentials + /edit).
 */
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { getTenant, isTenantLive } from '../../src/db/queries/tenants'
import { connect, sendActivity } from '../../src/sandbox/marketplace/connect'
import { SECRET, tenantByUrl } from '../support/marketplace'
import { installRetailCrm } from '../support/sandbox-retailcrm'

const moduleFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
  exports.default.fetch(input, { ...init, redirect: 'manual' })) as typeof fetch

describe('marketplace simulator -> module -> RetailCRM emulator', () => {
  it('connects, signs in, pauses and resumes, and reconnects into the same tenant', async () => {
    const crm = await installRetailCrm({ origin: 'https://e2e-shop.retailcrm.ru' })
    const base = {
      db: env.SANDBOX_DB,
      shop: crm.shopCode,
      systemUrl: crm.systemUrl,
      moduleUrl: 'https://module.test',
      secret: SECRET,
      fetch: moduleFetch,
    }
    const first = await connect({ ...base, now: crm.clock.now() })
    if (!first.ok) throw new Error(`connect failed: ${first.message}`)
    expect(first.accountUrl).toBe('https://module.test/retailcrm/login')
    expect(first.module.data).toMatchObject({
      baseUrl: 'https://module.test',
      actions: { activity: '/retailcrm/activity', settings: '/retailcrm/settings' },
    })
    const tenant = (await tenantByUrl(crm.systemUrl))!
    expect(isTenantLive(tenant)).toBe(true)

    // The CRM opens accountUrl with the clientId in a POST form from one of its pages (the browser
    // names that page's origin).
    const login = await moduleFetch(first.accountUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: new URL(crm.systemUrl).origin,
      },
      body: new URLSearchParams({ clientId: first.clientId }),
    })
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/')
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const home = await moduleFetch('https://module.test/', { headers: { cookie } })
    expect(home.status).toBeLessThan(400)

    const db = createDb(env.DB)
    const off = await sendActivity({ ...base, module: first.module, action: 'freeze', now: 1 })
    expect(off).toMatchObject({ status: 200 })
    expect(isTenantLive((await getTenant(db, tenant.id))!)).toBe(false)
    const on = await sendActivity({ ...base, module: first.module, action: 'reactivate', now: 2 })
    expect(on).toMatchObject({ status: 200 })
    expect(isTenantLive((await getTenant(db, tenant.id))!)).toBe(true)

    const second = await connect({ ...base, now: crm.clock.now() })
    if (!second.ok) throw new Error(`reconnect failed: ${second.message}`)
    expect(second.clientId).not.toBe(first.clientId)
    expect((await tenantByUrl(crm.systemUrl))!.id).toBe(tenant.id)
  })
})
