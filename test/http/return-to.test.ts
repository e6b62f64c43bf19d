import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { safeReturnPath } from '../../src/http/return-to'
import { postForm } from '../support/marketplace'
import { makeConnectedTenant } from '../support/world'

describe('safeReturnPath', () => {
  it.each([
    ['/syncs/12', '/syncs/12'],
    ['/syncs/12?tab=runs&page=2', '/syncs/12?tab=runs&page=2'],
    ['/notifications', '/notifications'],
  ])('keeps the local page %s', (raw, want) => {
    expect(safeReturnPath(raw)).toBe(want)
  })

  it.each([
    ['another host', 'https://evil.test/x'],
    ['a protocol-relative URL', '//evil.test/x'],
    ['a backslash trick', '/\\evil.test'],
    ['a dot segment', '/syncs/../retailcrm/login'],
    ['the sign-in path', '/retailcrm/login?clientId=x'],
    ['the operator view', '/operator'],
    ['static files', '/static/app.css'],
    ['a relative path', 'syncs/1'],
    ['nothing', ''],
    ['a very long value', `/${'a'.repeat(400)}`],
    ['markup', '/syncs/1"><script>'],
  ])('refuses %s', (_n, raw) => {
    expect(safeReturnPath(raw)).toBeNull()
  })
})

/** A browser GET without a session (or with the given cookies). */
const get = (path: string, cookie = '') =>
  createApp().request(
    `https://module.test${path}`,
    { headers: { accept: 'text/html', cookie }, redirect: 'manual' },
    env
  )

/** The `name=value` pairs of every Set-Cookie header. */
function cookiesOf(res: Response): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const i = pair!.indexOf('=')
    out.set(pair!.slice(0, i), pair!.slice(i + 1))
  }
  return out
}

describe('coming back to the page after signing in through the CRM', () => {
  it('remembers the page asked for without a session and opens it after the hand-off, once', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    const refused = await get('/syncs/7?tab=runs')
    expect(refused.status).toBe(401)
    const html = await refused.text()
    expect(html).toContain('Откройте модуль из RetailCRM')
    expect(html).toContain('откроет страницу, которую вы сейчас открывали')
    const ret = cookiesOf(refused).get('__Host-usx_return')
    expect(ret).toBeDefined()

    const origin = new URL(tenant.systemUrl).origin
    const login = await postForm(
      '/retailcrm/login',
      { clientId },
      {},
      {
        origin,
        cookie: `__Host-usx_return=${ret}`,
      }
    )
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/syncs/7?tab=runs')
    const after = cookiesOf(login)
    expect(after.get('__Host-usx_session')).toMatch(/^[0-9a-f]{64}$/)
    // Followed once: the login clears it.
    expect(after.get('__Host-usx_return')).toBe('')
  })

  it('goes home when the remembered value is not a local page', async () => {
    const { tenant, clientId } = await makeConnectedTenant()
    const login = await postForm(
      '/retailcrm/login',
      { clientId },
      {},
      {
        origin: new URL(tenant.systemUrl).origin,
        cookie: `__Host-usx_return=${encodeURIComponent('//evil.test/phish')}`,
      }
    )
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/')
  })

  it('remembers nothing for the home page, JSON clients or form posts', async () => {
    expect(cookiesOf(await get('/')).has('__Host-usx_return')).toBe(false)
    const json = await createApp().request(
      'https://module.test/syncs/3',
      { headers: { accept: 'application/json' } },
      env
    )
    expect(json.status).toBe(401)
    expect(cookiesOf(json).has('__Host-usx_return')).toBe(false)
    const post = await createApp().request(
      'https://module.test/syncs/3/run',
      { method: 'POST', headers: { accept: 'text/html' } },
      env
    )
    expect(post.status).toBe(401)
    expect(cookiesOf(post).has('__Host-usx_return')).toBe(false)
  })
})
