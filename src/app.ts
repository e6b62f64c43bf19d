/**
 * Builds the Hono app: shared middleware, one sub-app per resource, and the single error renderer.
 */
import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { createDb } from './db/client'
import type { AppEnv } from './env'
import { renderError } from './http/render-error'
import { health } from './routes/health'

/** The app served by the Worker's fetch handler. */
export function createApp() {
  const app = new Hono<AppEnv>()
  app.use(requestId())
  app.use(async (c, next) => {
    c.set('db', createDb(c.env.DB))
    await next()
  })

  app.route('/healthz', health)

  app.notFound((c) => renderError(c, 404, 'not_found', 'Page not found'))
  app.onError((err, c) => renderError.fromError(c, err))
  return app
}
