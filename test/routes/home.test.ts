/** GET / (src/routes/home.ts): where a signed-in person starts, and the broken-connection banner. */
import { beforeEach, describe, expect, it } from 'vitest'
import { get } from '../support/requests'
import { loginAs, type TestSession } from '../support/session'
import { makeConnectedTenant } from '../support/world'

let s: TestSession
beforeEach(async () => {
  s = await loginAs((await makeConnectedTenant()).tenant.id)
})

describe('GET / and the broken-connection banner', () => {
  it('sends a new shop to "Мои аккаунты"', async () => {
    const res = await get(s, '/')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/accounts')
  })

  it('tells the user what to do when the CRM refused the key', async () => {
    const t = await makeConnectedTenant({ overrides: { brokenReason: 'HTTP 401 от RetailCRM' } })
    const html = await (await get(await loginAs(t.tenant.id), '/accounts')).text()
    expect(html).toContain('Связь с RetailCRM потеряна')
    expect(html).toContain('HTTP 401 от RetailCRM')
    expect(html).toContain('нажмите «Подключить» ещё раз')
  })
})
