/**
 * `POST /api/v5/integration-modules/{code}/edit` (form field `integrationModule` = JSON) and
 * `GET /api/v5/integration-modules/{code}` (docs/retailcrm.md §1b). The marketplace simulator reads the
 * stored module to learn the clientId, accountUrl, baseUrl and actions.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { type CrmEnv, type EmulatorDeps, requireScope } from './context'
import { getModule, saveModule } from './keys'
import { crmError } from './params'

/**
 * UNCONFIRMED which fields the real API requires; the emulator requires what a marketplace module
 * cannot work without (code, integrationCode, name, clientId) and checks the types of the rest.
 */
const moduleSchema = z.looseObject({
  code: z.string().min(1),
  integrationCode: z.string().min(1),
  name: z.string().min(1),
  clientId: z.string().min(1),
  active: z.boolean().optional(),
  freeze: z.boolean().optional(),
  native: z.boolean().optional(),
  logo: z.string().optional(),
  baseUrl: z.url().optional(),
  accountUrl: z.url().optional(),
  actions: z.record(z.string(), z.string()).optional(),
  availableCountries: z.array(z.string()).optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
})

export function moduleRoutes(deps: EmulatorDeps) {
  const app = new Hono<CrmEnv>()

  app.post('/:code/edit', requireScope('integration_write'), async (c) => {
    const code = c.req.param('code')
    const body = await c.req.parseBody()
    const raw = body.integrationModule
    if (typeof raw !== 'string' || raw === '') {
      return c.json(crmError("Parameter 'integrationModule' is missing"), 400)
    }
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch {
      return c.json(
        crmError('Errors in the entity format', { integrationModule: 'Invalid JSON' }),
        400
      )
    }
    const parsed = moduleSchema.safeParse(json)
    if (!parsed.success) {
      const errors = Object.fromEntries(
        parsed.error.issues.map((i) => [i.path.join('.') || 'integrationModule', i.message])
      )
      return c.json(crmError('Errors in the entity format', errors), 400)
    }
    if (parsed.data.code !== code) {
      return c.json(
        crmError('Errors in the entity format', { code: 'The code does not match the URL.' }),
        400
      )
    }
    const shop = c.get('shop')
    const prev = await getModule(c.env.SANDBOX_DB, shop.code, code)
    const data = {
      active: true,
      freeze: false,
      native: false,
      ...(prev?.data ?? {}),
      ...parsed.data,
    }
    await saveModule(c.env.SANDBOX_DB, shop.code, code, c.get('apiKey').key, data, deps.now())
    return c.json({ success: true, info: {} })
  })

  app.get('/:code', requireScope('integration_read'), async (c) => {
    const found = await getModule(c.env.SANDBOX_DB, c.get('shop').code, c.req.param('code'))
    if (!found) return c.json(crmError('Not found'), 404)
    return c.json({ success: true, integrationModule: found.data })
  })

  return app
}
