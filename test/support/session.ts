/**
 * Signing in in tests, through the module's own code (not by hand-made rows), so route tests of
 * every area exercise the real session and CSRF checks. The tenant comes from world.ts:
 *
 *   const t = await makeConnectedTenant({ systemUrl: 'https://shop.retailcrm.ru' })
 *   const s = await loginAs(t.tenant.id)
 *   await exports.default.fetch('https://module.test/syncs', { method: 'POST', headers: s.headers, body })
 */
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { createDb } from '../../src/db/client'
import { createSession } from '../../src/db/queries/sessions'
import type { AppEnv } from '../../src/env'
import { cookieName, SESSION_COOKIE, secureCookies } from '../../src/http/cookies'
import { localeMiddleware } from '../../src/http/locale'
import { renderError } from '../../src/http/render-error'
import { sessionGate } from '../../src/http/session'

export interface TestSession {
  /** The Cookie header value carrying the session. */
  cookie: string
  csrfToken: string
  /** `cookie` + `x-csrf-token`: enough for any state-changing request of a signed-in person. */
  headers: Record<string, string>
}

/**
 * Creates a real session for the tenant. `now` backdates it (e.g. to test expiry); by default the
 * session is fresh.
 */
export async function loginAs(tenantId: number, opts: { now?: number } = {}): Promise<TestSession> {
  const db = createDb(env.DB)
  const s = await createSession(db, tenantId, opts.now ?? Date.now())
  const cookie = `${cookieName(SESSION_COOKIE, secureCookies(env.APP_ENV))}=${s.token}`
  return { cookie, csrfToken: s.csrfToken, headers: { cookie, 'x-csrf-token': s.csrfToken } }
}

/**
 * A tiny app with the real middleware (database, locale, session gate, error pages) and one route,
 * GET/POST /me, so middleware tests do not depend on other areas' pages.
 */
function probeApp() {
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    c.set('db', createDb(c.env.DB))
    await next()
  })
  app.use(localeMiddleware)
  app.use(sessionGate)
  app.get('/me', (c) => c.json({ tenantId: c.var.tenant.id, locale: c.var.locale }))
  app.post('/me', async (c) => {
    const body = await c.req.parseBody()
    return c.json({ ok: true, name: body.name ?? null })
  })
  app.onError((err, c) => renderError.fromError(c, err))
  return app
}

/** A request to the probe app: `/me` answers the signed-in tenant's id and locale as JSON. */
export const probeRequest = (path: string, init?: RequestInit) =>
  probeApp().request(`https://module.test${path}`, init, env)

/** Connected tenants are built by the world builder; re-exported for the tests that sign in. */
export { makeConnectedTenant } from './world'
