import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { getTenant, isTenantLive } from '../../src/db/queries/tenants'
import { syncs, tenants } from '../../src/db/schema'
import { fakeCrm } from '../support/fake-crm'
import { makeAccount, makeSync } from '../support/fixtures'
import { postForm } from '../support/marketplace'
import { makeConnectedTenant } from '../support/world'

const activity = (clientId: string, state: object, systemUrl = 'https://x.retailcrm.ru') =>
  postForm('/retailcrm/activity', { clientId, systemUrl, activity: JSON.stringify(state) })

describe('POST /retailcrm/activity', () => {
  it('deactivation pauses the tenant and touches neither syncs nor anything else', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    const sync = await makeSync(tenant.id, (await makeAccount(tenant.id)).id)
    const res = await activity(clientId, { active: false, freeze: false }, tenant.systemUrl)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ success: true })
    const after = (await getTenant(createDb(env.DB), tenant.id))!
    expect(after).toMatchObject({ active: false, frozen: false })
    expect(isTenantLive(after)).toBe(false)
    const db = createDb(env.DB)
    expect(await db.select().from(syncs).where(eq(syncs.tenantId, tenant.id))).toEqual([sync])
  })

  it('freeze pauses the tenant', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    await activity(clientId, { active: true, freeze: true }, tenant.systemUrl)
    const after = (await getTenant(createDb(env.DB), tenant.id))!
    expect(after).toMatchObject({ active: true, frozen: true })
    expect(isTenantLive(after)).toBe(false)
  })

  it('reactivation makes it live again and asks for a full reconcile', async () => {
    const { tenant, clientId } = await makeConnectedTenant({
      overrides: { active: false, lastReconcileAt: 1000 },
    })
    await activity(clientId, { active: true, freeze: false }, tenant.systemUrl)
    const after = (await getTenant(createDb(env.DB), tenant.id))!
    expect(isTenantLive(after)).toBe(true)
    expect(after.lastReconcileAt).toBeNull()
  })

  it('keeps the reconcile time when a live tenant stays live', async () => {
    const { tenant, clientId } = await makeConnectedTenant({ overrides: { lastReconcileAt: 1000 } })
    await activity(clientId, { active: true, freeze: false }, tenant.systemUrl)
    expect((await getTenant(createDb(env.DB), tenant.id))!.lastReconcileAt).toBe(1000)
  })

  it('keeps a changed systemUrl pending (never the address in use), and ignores an unusable one', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    const crm = fakeCrm(tenant.systemUrl)
    await activity(clientId, { active: true, freeze: false }, 'https://moved-shop.simla.com/')
    const moved = (await getTenant(createDb(env.DB), tenant.id))!
    expect(moved.systemUrl).toBe(tenant.systemUrl)
    expect(moved.pendingSystemUrl).toBe('https://moved-shop.simla.com')
    expect(crm.calls.map((c) => c.path)).toEqual(['/api/v5/notifications/send'])
    await activity(clientId, { active: true, freeze: false }, 'https://evil.example.com')
    const after = (await getTenant(createDb(env.DB), tenant.id))!
    expect(after.systemUrl).toBe(tenant.systemUrl)
    expect(after.pendingSystemUrl).toBe('https://moved-shop.simla.com')
  })

  it('answers an unknown clientId with success: false and changes nothing', async () => {
    const { tenant } = await makeConnectedTenant()
    const res = await activity('f'.repeat(64), { active: false, freeze: true })
    expect(await res.json()).toMatchObject({ success: false })
    expect((await getTenant(createDb(env.DB), tenant.id))!).toMatchObject({ active: true })
  })

  it('answers malformed activity JSON with 400 and a readable message', async () => {
    const { clientId } = await makeConnectedTenant()
    const res = await postForm('/retailcrm/activity', { clientId, activity: 'active=false' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { errorMsg: string }).errorMsg).toMatch(
      /activity: ожидается JSON/
    )
  })

  it('is not behind the session gate or CSRF (authenticated by the clientId)', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    const res = await activity(clientId, { active: false }, tenant.systemUrl)
    expect(res.status).toBe(200)
    expect((await getTenant(createDb(env.DB), tenant.id))!.active).toBe(false)
  })
})

describe('POST /retailcrm/settings', () => {
  it.each([
    [{ system_language: { value: 'EN' } }, 'en'],
    [{ system_language: { value: 'RU' } }, 'ru'],
    [{ system_language: 'es' }, 'en'],
  ])('stores the CRM locale from %j as %s', async (settings, locale) => {
    const { tenant, clientId } = await makeConnectedTenant()
    const res = await postForm('/retailcrm/settings', {
      clientId,
      settings: JSON.stringify(settings),
    })
    expect(await res.json()).toEqual({ success: true })
    expect((await getTenant(createDb(env.DB), tenant.id))!.locale).toBe(locale)
  })

  it('accepts settings without a locale and keeps the stored one', async () => {
    const { tenant, clientId } = await makeConnectedTenant({ overrides: { locale: 'en' } })
    const res = await postForm('/retailcrm/settings', {
      clientId,
      settings: JSON.stringify({ timezone: { value: 'Europe/Moscow' } }),
    })
    expect(await res.json()).toEqual({ success: true })
    const [row] = await createDb(env.DB).select().from(tenants).where(eq(tenants.id, tenant.id))
    expect(row!.locale).toBe('en')
  })

  it('answers an unknown clientId with success: false', async () => {
    const res = await postForm('/retailcrm/settings', { clientId: 'nope', settings: '{}' })
    expect(await res.json()).toMatchObject({ success: false })
  })
})
