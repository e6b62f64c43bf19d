/** The page language (src/http/locale.ts): the CRM's locale of the tenant. */
import { describe, expect, it } from 'vitest'
import { get } from '../support/requests'
import { loginAs } from '../support/session'
import { makeConnectedTenant } from '../support/world'

describe('language', () => {
  it("follows the CRM's locale when the tenant's is English", async () => {
    const t = await makeConnectedTenant({ overrides: { locale: 'en' } })
    const html = await (await get(await loginAs(t.tenant.id), '/accounts')).text()
    expect(html).toContain('<html lang="en">')
    expect(html).toContain('My Unisender pages')
  })
})
