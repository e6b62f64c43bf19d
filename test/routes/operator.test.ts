/** The operator view: only with the operator token, never with a shop's session. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { createDb } from '../../src/db/client'
import { tenants } from '../../src/db/schema'
import { recordRegistration } from '../../src/tenants/registrations'
import { loginAs, makeConnectedTenant } from '../support/session'

const TOKEN = 'operator-token-0123456789abcdef'

function get(headers: Record<string, string>, token: string | null = TOKEN) {
  return createApp().request(
    'https://module.test/operator',
    { headers: { accept: 'text/html', ...headers } },
    { ...env, OPERATOR_TOKEN: token ?? undefined }
  )
}

describe('GET /operator', () => {
  it('does not exist while OPERATOR_TOKEN is not configured', async () => {
    expect((await get({ authorization: `Bearer ${TOKEN}` }, null)).status).toBe(404)
  })

  it('asks for the token, and a shop session does not open it', async () => {
    const { tenant } = await makeConnectedTenant()
    const s = await loginAs(tenant.id)
    const res = await get({ cookie: s.cookie })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/)
    expect((await get({ authorization: 'Bearer wrong-token-0123456789abcdef' })).status).toBe(401)
    expect((await get({ authorization: `Basic ${btoa('op:wrong')}` })).status).toBe(401)
  })

  it('shows tenants by state, pending moves and registrations to the operator (Basic or Bearer)', async () => {
    const { tenant } = await makeConnectedTenant({ systemUrl: 'https://op-shop.retailcrm.ru' })
    await makeConnectedTenant({
      systemUrl: 'https://op-broken.retailcrm.ru',
      overrides: { brokenReason: 'key refused' },
    })
    await makeConnectedTenant({
      systemUrl: 'https://op-moving.retailcrm.ru',
      overrides: { pendingSystemUrl: 'https://op-elsewhere.retailcrm.ru' },
    })
    await recordRegistration(createDb(env.DB), {
      systemUrl: 'https://op-shop.retailcrm.ru',
      outcome: 'rate_limited',
      tenantId: tenant.id,
      now: Date.now(),
    })
    for (const auth of [`Bearer ${TOKEN}`, `Basic ${btoa(`operator:${TOKEN}`)}`]) {
      const res = await get({ authorization: auth })
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const html = await res.text()
      const total = (await createDb(env.DB).select().from(tenants)).length
      expect(html).toContain('Operator overview')
      expect(html).toMatch(/key\s+refused 1/)
      expect(html).toContain('move pending → op-elsewhere.retailcrm.ru')
      expect(html).toContain('rate_limited')
      expect(total).toBeGreaterThanOrEqual(3)
    }
  })
})

describe('GET /operator (#14 additions)', () => {
  it('shows syncs failing now, keys deleted, refused notifications and the approximate backlog', async () => {
    const { makeAccount, makeSync } = await import('../support/fixtures')
    const { tenant } = await makeConnectedTenant({
      overrides: { notifyError: 'RetailCRM: Access denied', notifyErrorAt: 1 },
    })
    await makeConnectedTenant({ overrides: { crmApiKeyEnc: '', active: false } })
    const account = await makeAccount(tenant.id)
    await makeSync(tenant.id, account.id, { alertState: 'unisender_broken' })
    await makeSync(tenant.id, account.id, { nextRunAt: 1 })
    const html = await (await get({ authorization: `Bearer ${TOKEN}` })).text()
    expect(html).toContain('Syncs failing now')
    expect(html).toMatch(/unisender_broken: \d+/)
    expect(html).toMatch(/keys\s+deleted after 30 days off [1-9]/)
    expect(html).toMatch(/CRM refused the last notification\s*[1-9]/)
    expect(html).toMatch(/syncs due, not started yet [1-9]/)
    expect(html).toContain('a Worker cannot read the queue')
  })
})
