/**
 * GET /static/*: the stylesheet, script and logo from the assets directory (public/), passed
 * through the app so they carry the app's security headers (src/http/security-headers.ts);
 * wrangler.toml sends these paths to the Worker first.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

export const staticFiles = new Hono<AppEnv>().get('/*', async (c) => {
  if (!c.env.ASSETS) throw new AppError('not_found', 'Not found')
  const res = await c.env.ASSETS.fetch(c.req.raw)
  // A fetched response's headers are immutable; copy it so the header middleware can add its own.
  return new Response(res.body, res)
})
