/**
 * The RetailCRM emulator as a Hono app factory. Mounted by the sandbox Worker at `/crm/:shop`
 * (systemUrl = `http://localhost:8788/crm/<shop>`), or served for one fixed shop at an origin's root
 * in tests (`https://demo.retailcrm.ru/api/v5/...`). Unknown shops answer an HTML 404, as a
 * nonexistent RetailCRM account does.
 */
import { Hono } from 'hono'
import type { SandboxEnv } from '../env'
import { apiRoutes } from './api'
import type { CrmEnv, EmulatorDeps } from './context'
import { controlRoutes } from './control'
import { newStats } from './customers'
import { FaultStore, RateLimiter, sleep } from './faults'
import { ensureSchema } from './schema'
import { loadShop } from './state'

export interface EmulatorOptions extends Partial<EmulatorDeps> {
  /** Serve this shop at the root; otherwise the shop code comes from the `:shop` path parameter. */
  shop?: string
}

/** Builds the emulator; `deps` is returned so the caller (tests, Worker) can steer it. */
export function createRetailCrmEmulator(opts: EmulatorOptions = {}) {
  const deps: EmulatorDeps = {
    now: opts.now ?? (() => Date.now()),
    sleep: opts.sleep ?? sleep,
    faults: opts.faults ?? new FaultStore(),
    limiter: opts.limiter ?? new RateLimiter(),
    stats: opts.stats ?? newStats(),
  }
  const app = new Hono<CrmEnv>()
  app.use(async (c, next) => {
    const code = opts.shop ?? (c.req.param() as Record<string, string>).shop ?? ''
    await ensureSchema(c.env.SANDBOX_DB)
    const shop = await loadShop(c.env.SANDBOX_DB, code)
    if (!shop) {
      return c.html('<html><body><h1>Account does not exist</h1></body></html>', 404)
    }
    c.set('shop', shop)
    c.set('base', opts.shop ? '' : `/crm/${encodeURIComponent(code)}`)
    await next()
  })
  app.route('/api', apiRoutes(deps))
  app.route('/sandbox', controlRoutes(deps))
  app.get('/', (c) => c.redirect(`${c.get('base')}/sandbox`, 302))
  return { app: app as unknown as Hono<{ Bindings: SandboxEnv }>, deps }
}
