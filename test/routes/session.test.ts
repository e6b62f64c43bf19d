/** POST /logout (src/routes/session.ts). */
import { env, exports } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { sessions } from '../../src/db/schema'
import { loginAs, probeRequest as req } from '../support/session'
import { makeConnectedTenant } from '../support/world'

describe('POST /logout', () => {
  it('needs the CSRF token', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const res = await exports.default.fetch('https://module.test/logout', {
      method: 'POST',
      headers: { cookie: s.cookie },
    })
    expect(res.status).toBe(403)
  })

  it('ends the session, clears the cookie and redirects', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const res = await exports.default.fetch('https://module.test/logout', {
      method: 'POST',
      headers: s.headers,
      redirect: 'manual',
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/')
    expect(res.headers.get('set-cookie')).toMatch(/__Host-usx_session=;.*Max-Age=0/i)
    const rows = await createDb(env.DB)
      .select()
      .from(sessions)
      .where(eq(sessions.tenantId, tenant.id))
    expect(rows).toEqual([])
    expect((await req('/me', { headers: { cookie: s.cookie } })).status).toBe(401)
  })
})
