import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createMarketplace } from '../../../src/sandbox/marketplace/app'
import { registerToken } from '../../../src/sandbox/marketplace/connect'
import { DEMO_API_KEY } from '../../../src/sandbox/unisender/demo'
import { outbound } from '../../support/outbound'
import { installRetailCrm, type RetailCrmSandbox } from '../../support/sandbox-retailcrm'

const MODULE = 'https://module.fake'
const SECRET = 'partner-secret'

/** A tiny stand-in for the module's config/register/activity routes; it checks the HMAC. */
function fakeModule(opts: { secret: string; register?: boolean }) {
  const calls: { path: string; form: Record<string, string> }[] = []
  outbound.route(MODULE, async (req) => {
    const url = new URL(req.url)
    const form =
      req.method === 'POST'
        ? (Object.fromEntries(new URLSearchParams(await req.text())) as Record<string, string>)
        : {}
    calls.push({ path: url.pathname, form })
    if (url.pathname === '/retailcrm/config') {
      return Response.json({
        success: true,
        scopes: ['integration_read', 'integration_write', 'customer_read'],
        registerUrl: `${MODULE}/retailcrm/register`,
      })
    }
    if (url.pathname === '/retailcrm/register') {
      const reg = JSON.parse(form.register ?? '{}') as {
        systemUrl: string
        apiKey: string
        token: string
      }
      if (reg.token !== (await registerToken(opts.secret, reg.apiKey))) {
        return Response.json(
          { success: false, errorMsg: 'Неверная подпись запроса' },
          { status: 401 }
        )
      }
      if (opts.register !== false) {
        const edit = await fetch(`${reg.systemUrl}/api/v5/integration-modules/fake-mod/edit`, {
          method: 'POST',
          headers: { 'X-API-KEY': reg.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            integrationModule: JSON.stringify({
              code: 'fake-mod',
              integrationCode: 'fake-mod',
              name: 'Fake',
              active: true,
              clientId: 'client-123',
              baseUrl: MODULE,
              accountUrl: `${MODULE}/retailcrm/login`,
              actions: { activity: '/retailcrm/activity' },
            }),
          }),
        })
        if (!edit.ok) return Response.json({ success: false, errorMsg: await edit.text() })
      }
      return Response.json({ success: true, accountUrl: `${MODULE}/retailcrm/login` })
    }
    if (url.pathname === '/retailcrm/activity') return Response.json({ success: true })
    return new Response('not found', { status: 404 })
  })
  return calls
}

let crm: RetailCrmSandbox
let market: ReturnType<typeof createMarketplace>
const sandboxEnv = () => ({
  SANDBOX_DB: env.SANDBOX_DB,
  SANDBOX_ENABLED: '1',
  MODULE_URL: MODULE,
  MODULE_SECRET: SECRET,
})
const post = (path: string, form: Record<string, string> = {}) =>
  market.fetch(
    new Request(`http://localhost:8788${path}`, {
      method: 'POST',
      body: new URLSearchParams(form),
    }),
    sandboxEnv()
  )

beforeEach(async () => {
  crm = await installRetailCrm()
  market = createMarketplace({ systemUrlFor: () => crm.systemUrl, now: crm.clock.now })
})

describe('simple connection', () => {
  it('registers with a valid HMAC token and hands clientId to accountUrl in a POST form', async () => {
    const calls = fakeModule({ secret: SECRET })
    const res = await post(`/marketplace/shops/${crm.shopCode}/connect`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(`action="${MODULE}/retailcrm/login"`)
    expect(html).toContain('name="clientId" value="client-123"')
    expect(html).toContain('.submit()')
    expect(calls.map((x) => x.path)).toEqual(['/retailcrm/config', '/retailcrm/register'])
    const reg = JSON.parse(calls[1]!.form.register!) as {
      systemUrl: string
      apiKey: string
      token: string
    }
    expect(reg.systemUrl).toBe('https://demo.retailcrm.ru')
    expect(reg.token).toMatch(/^[0-9a-f]{64}$/)
    // The key works against the CRM with exactly the requested scopes.
    crm.clock.advance(1000)
    const cred = await fetch(`${crm.origin}/api/credentials`, {
      headers: { 'X-API-KEY': reg.apiKey },
    })
    expect(((await cred.json()) as { scopes: string[] }).scopes).toEqual([
      'integration_read',
      'integration_write',
      'customer_read',
    ])
  })

  it('signs exactly as hash_hmac("sha256", apiKey, secret)', async () => {
    // Known vector: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog").
    expect(await registerToken('key', 'The quick brown fox jumps over the lazy dog')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'
    )
  })

  it("shows the module's errorMsg when it refuses the registration, and drops the key", async () => {
    const calls = fakeModule({ secret: 'another-secret' })
    const res = await post(`/marketplace/shops/${crm.shopCode}/connect`)
    expect(res.status).toBe(502)
    const html = await res.text()
    expect(html).toContain('Неверная подпись запроса')
    expect(html).toContain('HTTP 401')
    const reg = JSON.parse(calls[1]!.form.register!) as { apiKey: string }
    const cred = await fetch(`${crm.origin}/api/credentials`, {
      headers: { 'X-API-KEY': reg.apiKey },
    })
    expect(cred.status).toBe(403)
  })

  it('reports a module that answered success without registering itself', async () => {
    fakeModule({ secret: SECRET, register: false })
    const res = await post(`/marketplace/shops/${crm.shopCode}/connect`)
    expect(res.status).toBe(502)
    expect(await res.text()).toContain('integration-modules')
  })

  it('sends activity callbacks and records the new state', async () => {
    const calls = fakeModule({ secret: SECRET })
    await post(`/marketplace/shops/${crm.shopCode}/connect`)
    for (const [action, activity] of [
      ['deactivate', { active: false, freeze: false }],
      ['freeze', { active: true, freeze: true }],
      ['reactivate', { active: true, freeze: false }],
    ] as const) {
      const res = await post(`/marketplace/shops/${crm.shopCode}/modules/fake-mod/activity`, {
        action,
      })
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('HTTP 200')
      const last = calls.at(-1)!
      expect(last.path).toBe('/retailcrm/activity')
      expect(last.form).toEqual({
        clientId: 'client-123',
        systemUrl: 'https://demo.retailcrm.ru',
        activity: JSON.stringify(activity),
      })
    }
  })
})

describe('sandbox home page', () => {
  it('lists shops with a Connect button and links the Unisender page', async () => {
    const res = await market.fetch(new Request('http://localhost:8788/'), sandboxEnv())
    const html = await res.text()
    expect(html).toContain('Подключить')
    expect(html).toContain(`/marketplace/shops/${crm.shopCode}/connect`)
    expect(html).toContain('/unisender/inspect')
    expect(html).toContain(DEMO_API_KEY) // the demo Unisender key to paste into the module
  })

  it('creates a benchmark shop with an exact segment size from JSON', async () => {
    const res = await market.fetch(
      new Request('http://localhost:8788/marketplace/shops', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'bench-json', customers: 1_010_000, size: 1_000_000 }),
      }),
      sandboxEnv()
    )
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({
      success: true,
      code: 'bench-json',
      systemUrl: crm.systemUrl,
    })
    const again = await market.fetch(
      new Request('http://localhost:8788/marketplace/shops', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'bench-json', customers: 5 }),
      }),
      sandboxEnv()
    )
    expect(again.status).toBe(409)
    const seg = await env.SANDBOX_DB.prepare(
      "SELECT size, cap FROM crm_segments WHERE shop = 'bench-json'"
    ).first<{ size: number; cap: number }>()
    expect(seg).toEqual({ size: 1_000_000, cap: 1_010_000 })
  })

  it('creates a benchmark shop of 1,000,000 customers from a form', async () => {
    const res = await post('/marketplace/shops', {
      code: 'bench-form',
      customers: '1000000',
      share: '0.5',
    })
    expect(res.status).toBe(303)
    const row = await env.SANDBOX_DB.prepare(
      "SELECT customers, (SELECT size FROM crm_segments WHERE shop = 'bench-form') AS size FROM crm_shops WHERE code = 'bench-form'"
    ).first<{ customers: number; size: number }>()
    expect(row).toEqual({ customers: 1_000_000, size: 500_000 })
  })
})
