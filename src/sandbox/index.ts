/**
 * Sandbox Worker entry: mounts the RetailCRM emulator, the Unisender emulator and the marketplace
 * simulator. Every route answers 404 unless SANDBOX_ENABLED=1, so a production-like configuration
 * has no sandbox at all.
 */
import { Hono } from 'hono'
import type { SandboxAppEnv } from './env'
import { createMarketplace } from './marketplace/app'
import { createRetailCrmEmulator } from './retailcrm/app'
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
app.route('/unisender', createUnisenderApp())
app.route('/crm/:shop', createRetailCrmEmulator().app)
app.route('/', createMarketplace())

export default app
