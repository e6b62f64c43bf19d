/**
 * Sandbox Worker entry: mounts the RetailCRM emulator, the Unisender emulator and the marketplace
 * simulator. Every route answers 404 unless SANDBOX_ENABLED=1, so a production-like configuration
 * has no sandbox at all.
 */
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import type { SandboxAppEnv } from './env'
import { createMarketplace } from './marketplace/app'
import { createRetailCrmEmulator } from './retailcrm/app'
import { RATE_LIMIT_PER_SECOND, RateLimiter } from './retailcrm/faults'
import { createUnisenderApp } from './unisender/app'

const app = new Hono<SandboxAppEnv>()
app.use(async (c, next) => {
  if (c.env.SANDBOX_ENABLED !== '1') return c.text('Not found', 404)
  await next()
})

// Mount points (each sub-app lives in its own folder):
//   /crm/:shop/...      RetailCRM emulator      (src/sandbox/retailcrm/)
//   /unisender/...      Unisender emulator      (src/sandbox/unisender/)
//   /, /marketplace/... marketplace simulator   (src/sandbox/marketplace/)
// Benchmark hook: `npm run bench -- --rate-scale k` sets BENCH_RATE_SCALE to multiply both
// emulators' rate limits by a factor it states in its results (default 1: production limits).
const rateScale = Number((env as { BENCH_RATE_SCALE?: string }).BENCH_RATE_SCALE ?? 1) || 1
app.route('/unisender', createUnisenderApp({ rateScale }))
const crmLimiter = new RateLimiter(Math.round(RATE_LIMIT_PER_SECOND * rateScale))
app.route('/crm/:shop', createRetailCrmEmulator({ limiter: crmLimiter }).app)
app.route('/', createMarketplace())

export default app
