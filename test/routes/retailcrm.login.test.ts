import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { sha256Hex } from '../../src/lib/crypto'
import { handoff, sessionsOf } from '../support/marketplace'
import { makeConnectedTenant } from '../support/world'

/** A GET as a browser sends it when the person starts the visit (typed, bookmarked, CRM menu). */
const get = (path: string, envOverride: Record<string, string> = {}) =>
  createApp().request(
    `https://module.test${path}`,
    { headers: { accept: 'text/html', 'sec-fetch-site': 'none' }, redirect: 'manual' },
    { ...env, ...envOverride }
  )

/** Asserts a successful login: 303 to '/', a session cookie for the tenant, no clientId anywhere. */
async function expectLoggedIn(res: Response, tenantId: number, clientId: string) {
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe('/')
  const setCookie = res.headers.get('set-cookie')!
  expect(setCookie).toMatch(/^__Host-usx_session=[0-9a-f]{64};/)
  expect(setCookie).toMatch(/HttpOnly/i)
  expect(setCookie).toMatch(/Secure/i)
  expect(setCookie).toMatch(/SameSite=None/i)
  expect(setCookie).toMatch(/Partitioned/i)
  expect(setCookie).toMatch(/Path=\//)
  expect(setCookie).not.toContain(clientId)
  expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  const token = setCookie.split(';')[0]!.split('=')[1]!
  const rows = await sessionsOf(tenantId)
  expect(rows.map((r) => r.idHash)).toContain(await sha256Hex(token))
  return `__Host-usx_session=${token}`
}

describe('accountUrl /retailcrm/login', () => {
  it('exchanges a POSTed clientId (as RetailCRM sends it) for a session', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    const res = await handoff(clientId, tenant.systemUrl)
    await expectLoggedIn(res, tenant.id, clientId)
  })

  it('accepts the clientId as a GET query and redirects to a URL without it', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    await expectLoggedIn(await get(`/retailcrm/login?clientId=${clientId}`), tenant.id, clientId)
  })

  it('accepts the clientId as a path segment', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    await expectLoggedIn(await get(`/retailcrm/login/${clientId}`), tenant.id, clientId)
  })

  it('lets the new session in: the app page no longer asks to open the module from the CRM', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    const cookie = await expectLoggedIn(
      await get(`/retailcrm/login/${clientId}`),
      tenant.id,
      clientId
    )
    const res = await createApp().request(
      'https://module.test/',
      { headers: { cookie, accept: 'text/html' } },
      env
    )
    expect(res.status).not.toBe(401)
  })

  it.each([
    ['an unknown clientId', '/retailcrm/login?clientId=0123456789abcdef'],
    ['no clientId at all', '/retailcrm/login'],
    ['the old ?account= flow', '/retailcrm/login?account=https://shop.retailcrm.ru'],
  ])('shows a friendly Russian page for %s and sets no cookie', async (_n, path) => {
    await makeConnectedTenant()
    const res = await get(path)
    expect(res.status).toBe(401)
    const html = await res.text()
    expect(html).toContain('Подключение не найдено')
    expect(html).toContain('Маркетплейс')
    expect(html).toContain('Подключить')
    expect(res.headers.get('set-cookie')).toBeNull()
  })

  it('uses SameSite=Lax without Secure for http://localhost development', async () => {
    const { clientId } = await makeConnectedTenant()
    const res = await get(`/retailcrm/login/${clientId}`, { APP_ENV: 'development' })
    expect(res.status).toBe(303)
    const setCookie = res.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^usx_session=[0-9a-f]{64};/)
    expect(setCookie).toMatch(/SameSite=Lax/i)
    expect(setCookie).not.toMatch(/Secure|Partitioned/i)
  })
})
