/** The CSRF check of state-changing requests (src/http/csrf.ts, applied by the session gate). */
import { describe, expect, it } from 'vitest'
import { loginAs, probeRequest as req } from '../support/session'
import { makeConnectedTenant } from '../support/world'

describe('CSRF', () => {
  it('refuses a state-changing request without the token (403, clear message)', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const res = await req('/me', {
      method: 'POST',
      headers: { cookie: s.cookie, accept: 'application/json' },
    })
    expect(res.status).toBe(403)
    expect(((await res.json()) as { errorMsg: string }).errorMsg).toMatch(/защитного токена/)
  })

  it('refuses a wrong token, in the header or the form', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const other = await loginAs(tenant.id)
    const viaHeader = await req('/me', {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': other.csrfToken },
    })
    expect(viaHeader.status).toBe(403)
    expect(await viaHeader.text()).toContain('Форма устарела')
    const viaForm = await req('/me', {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: 'x'.repeat(64), name: 'a' }).toString(),
    })
    expect(viaForm.status).toBe(403)
  })

  it('passes the right token in the header', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const res = await req('/me', { method: 'POST', headers: s.headers })
    expect(res.status).toBe(200)
  })

  it('passes the right token as the _csrf form field and the route still reads the form', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const res = await req('/me', {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrfToken, name: 'Магазин' }).toString(),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, name: 'Магазин' })
  })
})
