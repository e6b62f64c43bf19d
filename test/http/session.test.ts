/** The session middleware (src/http/session.ts): who gets through, expiry, and what is stored. */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { SESSION_IDLE_MS, SESSION_MAX_MS, SESSION_TOUCH_MS } from '../../src/db/queries/sessions'
import { sessions } from '../../src/db/schema'
import { sha256Hex } from '../../src/lib/crypto'
import { loginAs, probeRequest as req } from '../support/session'
import { makeConnectedTenant } from '../support/world'

function tokenOf(cookie: string): string {
  return cookie.split('=')[1]!
}

describe('session middleware', () => {
  it('lets a signed-in person through with their tenant', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const res = await req('/me', { headers: { cookie: s.cookie } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ tenantId: tenant.id, locale: 'ru' })
    expect(res.headers.get('cache-control')).toBe('private, no-store')
  })

  it('shows a browser without a session a Russian page pointing to the marketplace', async () => {
    const res = await req('/me', { headers: { accept: 'text/html' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toContain('text/html')
    const html = await res.text()
    expect(html).toContain('Откройте модуль из RetailCRM')
    expect(html).toContain('Маркетплейс')
  })

  it('answers an API client without a session with 401 JSON', async () => {
    const res = await req('/me', { headers: { accept: 'application/json' } })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ success: false, error: { code: 'unauthorized' } })
  })

  it('refuses a forged cookie', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const forged = s.cookie.replace(/=.*/, `=${'a'.repeat(64)}`)
    expect((await req('/me', { headers: { cookie: forged } })).status).toBe(401)
    const plainName = `usx_session=${tokenOf(s.cookie)}` // without the __Host- prefix
    expect((await req('/me', { headers: { cookie: plainName } })).status).toBe(401)
  })

  it('stores only the SHA-256 of the session token', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const rows = await createDb(env.DB)
      .select()
      .from(sessions)
      .where(eq(sessions.tenantId, tenant.id))
    expect(rows).toHaveLength(1)
    expect(rows[0]!.idHash).toBe(await sha256Hex(tokenOf(s.cookie)))
    expect(JSON.stringify(rows)).not.toContain(tokenOf(s.cookie))
  })

  it('expires a session left idle longer than the idle limit and deletes it', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id, { now: Date.now() - SESSION_IDLE_MS - 1000 })
    expect((await req('/me', { headers: { cookie: s.cookie } })).status).toBe(401)
    const left = await createDb(env.DB)
      .select()
      .from(sessions)
      .where(eq(sessions.tenantId, tenant.id))
    expect(left).toEqual([])
  })

  it("drops the tenant's expired sessions when a new one starts", async () => {
    const { tenant } = await makeConnectedTenant()
    await loginAs(tenant.id, { now: Date.now() - SESSION_IDLE_MS - 1000 })
    const fresh = await loginAs(tenant.id)
    const rows = await createDb(env.DB)
      .select()
      .from(sessions)
      .where(eq(sessions.tenantId, tenant.id))
    expect(rows.map((r) => r.idHash)).toEqual([await sha256Hex(tokenOf(fresh.cookie))])
  })

  it('slides the idle expiry of a session in use', async () => {
    const { tenant } = await makeConnectedTenant()
    const created = Date.now() - SESSION_TOUCH_MS * 2
    const s = await loginAs(tenant.id, { now: created })
    expect((await req('/me', { headers: { cookie: s.cookie } })).status).toBe(200)
    const [row] = await createDb(env.DB)
      .select()
      .from(sessions)
      .where(eq(sessions.tenantId, tenant.id))
    expect(row!.expiresAt).toBeGreaterThan(created + SESSION_IDLE_MS)
  })

  it('ends every session at the absolute limit even if it was kept alive', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id, { now: Date.now() - SESSION_MAX_MS - 1000 })
    await createDb(env.DB)
      .update(sessions)
      .set({ expiresAt: Date.now() + SESSION_IDLE_MS })
      .where(eq(sessions.tenantId, tenant.id))
    expect((await req('/me', { headers: { cookie: s.cookie } })).status).toBe(401)
  })

  it('uses the tenant CRM locale, overridden by the ?lang switch, which is remembered', async () => {
    const { tenant } = await makeConnectedTenant({ overrides: { locale: 'en' } })
    const s = await loginAs(tenant.id)
    expect(await (await req('/me', { headers: { cookie: s.cookie } })).json()).toMatchObject({
      locale: 'en',
    })
    const switched = await req('/me?lang=ru', { headers: { cookie: s.cookie } })
    expect(await switched.json()).toMatchObject({ locale: 'ru' })
    const langCookie = switched.headers.get('set-cookie')!
    expect(langCookie).toMatch(/__Host-usx_lang=ru/)
    const next = await req('/me', {
      headers: { cookie: `${s.cookie}; ${langCookie.split(';')[0]}` },
    })
    expect(await next.json()).toMatchObject({ locale: 'ru' })
  })
})
