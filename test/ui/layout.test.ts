import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { loginAs } from '../support/session'
import { makeConnectedTenant } from '../support/world'

let shop = 0

/** Signs in as a fresh tenant (with the given columns) and loads "Мои аккаунты". */
async function accountsPage(overrides: Record<string, unknown> = {}) {
  const systemUrl = `https://layout${++shop}.retailcrm.ru`
  const { tenant } = await makeConnectedTenant({ systemUrl, overrides })
  const s = await loginAs(tenant.id)
  const res = await exports.default.fetch('https://module.test/accounts', { headers: s.headers })
  return { res, html: await res.text(), s, host: new URL(systemUrl).host }
}

describe('page frame', () => {
  it('shows which CRM account is connected and a sign-out form with the CSRF token', async () => {
    const { res, html, s, host } = await accountsPage()
    expect(res.status).toBe(200)
    // The host may break only after its dots (<wbr>), never mid-word (issue #13, point 14).
    expect(html.replace(/<wbr\/>/g, '').replace(/<span class="crm-host">|<\/span>/g, '')).toContain(
      `Подключено: ${host}`
    )
    expect(html).toMatch(/<form method="post" action="\/logout"/)
    expect(html).toContain(`value="${s.csrfToken}"`)
    expect(html).not.toContain('Модуль выключен в RetailCRM')
  })

  it('warns when the marketplace froze or deactivated the module', async () => {
    for (const overrides of [{ frozen: true }, { active: false }]) {
      const { html } = await accountsPage(overrides)
      expect(html).toContain('Модуль выключен в RetailCRM')
      expect(html).toContain('Списки в Unisender не тронуты')
    }
  })
})
