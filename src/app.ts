/**
 * Builds the Hono app: shared middleware, one sub-app per resource, and the single error renderer.
 */
import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { createDb } from './db/client'
import type { AppEnv } from './env'
import { attentionBanner } from './http/attention'
import { localeMiddleware } from './http/locale'
import { renderError } from './http/render-error'
import { limitBody, securityHeaders } from './http/security-headers'
import { sessionGate } from './http/session'
import { accounts } from './routes/accounts'
import { faq } from './routes/faq'
import { health } from './routes/health'
import { home } from './routes/home'
import { notifications } from './routes/notifications'
import { operator } from './routes/operator'
import { retailcrm } from './routes/retailcrm'
import { sessionRoutes } from './routes/session'
import { staticFiles } from './routes/static'
import { syncs } from './routes/syncs'

/** The app served by the Worker's fetch handler. */
export function createApp() {
  const app = new Hono<AppEnv>()
  app.use(requestId())
  app.use(async (c, next) => {
    c.set('db', createDb(c.env.DB))
    await next()
  })
  app.use(securityHeaders)
  app.use(limitBody)
  app.use(localeMiddleware)
  // Every path except src/http/session.ts PUBLIC_PREFIXES needs a session (+ CSRF on writes).
  app.use(sessionGate)
  app.use(attentionBanner)

  app.route('/healthz', health)
  app.route('/static', staticFiles)
  app.route('/operator', operator)
  app.route('/retailcrm', retailcrm)
  app.route('/', sessionRoutes)
  app.route('/', home)
  app.route('/accounts', accounts)
  app.route('/syncs', syncs)
  app.route('/notifications', notifications)
  app.route('/faq', faq)

  app.notFound((c) => renderError(c, 404, 'not_found', 'Page not found'))
  app.onError((err, c) => renderError.fromError(c, err))
  return app
}
