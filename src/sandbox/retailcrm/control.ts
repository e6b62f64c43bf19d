/**
 * Sandbox-only control routes, outside /api/ (`{systemUrl}/sandbox/...`): recalculate a dynamic
 * segment, change a customer's email, opt a customer out, delete, merge, create customers, issue
 * API keys and inject faults. Each accepts JSON or a form (the shop page posts forms and is
 * redirected back). None of this exists in the real RetailCRM.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import type { CrmEnv, EmulatorDeps } from './context'
import { customerJson, segmentJson, segmentsById } from './customers'
import { faultSettingsSchema } from './faults'
import { ALL_SCOPES, issueKey, listModules } from './keys'
import * as m from './mutations'
import { listNotifications } from './notifications'
import { shopPage } from './page'
import { recalculateSegment } from './recalculate'
import { customerExists, loadOverrides } from './state'

async function input(
  c: Context<CrmEnv>
): Promise<{ body: Record<string, unknown>; form: boolean }> {
  const type = c.req.header('content-type') ?? ''
  if (type.includes('application/json')) {
    const body = await c.req.json().catch(() => null)
    if (body === null || typeof body !== 'object')
      throw new m.SandboxError(400, 'Invalid JSON body')
    return { body, form: false }
  }
  if (type.includes('form')) {
    const raw = await c.req.parseBody({ all: true })
    const body: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(raw)) {
      const s = Array.isArray(v) ? v.map(String) : String(v)
      body[k] = k === 'scopes' ? ([] as string[]).concat(s) : s
    }
    return { body, form: true }
  }
  return { body: {}, form: false }
}

const num = z.coerce.number().int().min(0)
const optNum = z.preprocess((v) => (v === '' ? undefined : v), num.optional())
const bool = z.preprocess(
  (v) => (v === 'false' || v === '0' ? false : v === 'true' || v === '1' ? true : v),
  z.boolean()
)

function customerId(c: Context<CrmEnv>): number {
  const id = Number(c.req.param('id'))
  if (!customerExists(c.get('shop'), id))
    throw new m.SandboxError(404, `Customer ${c.req.param('id')} not found`)
  return id
}

/** Runs a change; answers JSON, or redirects a form post back to the shop page. */
async function act(c: Context<CrmEnv>, run: (body: Record<string, unknown>) => Promise<object>) {
  const form = (c.req.header('content-type') ?? '').includes('form')
  try {
    const { body } = await input(c)
    const result = await run(body)
    if (form)
      return c.redirect(
        `${c.get('base')}/sandbox?done=${encodeURIComponent(JSON.stringify(result))}`,
        303
      )
    return c.json({ success: true, ...result })
  } catch (err) {
    const status =
      err instanceof m.SandboxError ? err.status : err instanceof z.ZodError ? 400 : 500
    if (status === 500) throw err
    const message = err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message
    if (form)
      return c.redirect(`${c.get('base')}/sandbox?error=${encodeURIComponent(message)}`, 303)
    return c.json({ success: false, errorMsg: message }, status)
  }
}

export function controlRoutes(deps: EmulatorDeps) {
  const app = new Hono<CrmEnv>()
  const db = (c: Context<CrmEnv>) => c.env.SANDBOX_DB

  app.get('/', async (c) => {
    const shop = c.get('shop')
    const modules = await listModules(db(c), shop.code)
    const notifications = await listNotifications(db(c), shop.code)
    return c.html(
      shopPage({
        shop,
        base: c.get('base'),
        modules,
        notifications,
        faults: deps.faults.get(shop.code),
        done: c.req.query('done'),
        error: c.req.query('error'),
      })
    )
  })

  app.get('/state', async (c) => {
    const shop = c.get('shop')
    const modules = await listModules(db(c), shop.code)
    return c.json({
      shop: {
        code: shop.code,
        name: shop.name,
        customers: shop.customers + shop.extraCustomers - shop.removed.length,
      },
      segments: shop.segments.map((s) => ({ ...segmentJson(shop, s), generation: s.generation })),
      modules: modules.map((x) => x.data),
      notifications: await listNotifications(db(c), shop.code),
      faults: deps.faults.get(shop.code),
      // Cumulative for this emulator instance (all shops), for the benchmark's call counts.
      stats: deps.stats,
    })
  })

  app.get('/customers/:id', async (c) => {
    const shop = c.get('shop')
    const id = customerId(c)
    const o = (await loadOverrides(db(c), shop.code, [id])).get(id)
    return c.json({
      customer: customerJson(shop, id, o, segmentsById(shop), deps.stats),
      removed: shop.removed.includes(id),
    })
  })

  app.post('/segments/:id/recalculate', (c) =>
    act(c, async (b) => {
      const opts = z.object({ add: optNum, remove: optNum }).parse(b)
      return recalculateSegment(db(c), c.get('shop'), Number(c.req.param('id')), opts, deps.now())
    })
  )
  app.post('/customers', (c) =>
    act(c, (b) =>
      m.createCustomer(
        db(c),
        c.get('shop'),
        z.object({ email: z.string().optional() }).parse(b).email,
        deps.now()
      )
    )
  )
  app.post('/customers/:id/email', (c) =>
    act(c, (b) =>
      m.changeEmail(
        db(c),
        c.get('shop'),
        customerId(c),
        z.object({ email: z.string() }).parse(b).email,
        deps.now()
      )
    )
  )
  app.post('/customers/:id/first-name', (c) =>
    act(c, (b) =>
      m.changeFirstName(
        db(c),
        c.get('shop'),
        customerId(c),
        z.object({ firstName: z.string() }).parse(b).firstName,
        deps.now()
      )
    )
  )
  app.post('/customers/:id/unsubscribe', (c) =>
    act(c, (b) => {
      const { unsubscribed } = z.object({ unsubscribed: bool.default(true) }).parse(b)
      return m.setUnsubscribed(db(c), c.get('shop'), customerId(c), unsubscribed, deps.now())
    })
  )
  app.post('/customers/:id/subscription', (c) =>
    act(c, (b) => {
      const { subscribed } = z.object({ subscribed: bool }).parse(b)
      return m.setEmailSubscription(db(c), c.get('shop'), customerId(c), subscribed, deps.now())
    })
  )
  app.post('/customers/:id/delete', (c) =>
    act(c, () => m.deleteCustomer(db(c), c.get('shop'), customerId(c), deps.now()))
  )
  app.post('/customers/:id/merge', (c) =>
    act(c, (b) =>
      m.mergeCustomers(
        db(c),
        c.get('shop'),
        customerId(c),
        z.object({ into: num }).parse(b).into,
        deps.now()
      )
    )
  )
  app.post('/api-keys', (c) =>
    act(c, async (b) => {
      const { scopes } = z
        .object({
          scopes: z
            .array(z.enum(ALL_SCOPES))
            .default(['integration_read', 'integration_write', 'customer_read']),
        })
        .parse(b)
      return { apiKey: await issueKey(db(c), c.get('shop').code, scopes, deps.now()), scopes }
    })
  )
  app.get('/faults', (c) => c.json(deps.faults.get(c.get('shop').code)))
  app.post('/faults', (c) =>
    act(c, async (b) => {
      const cleaned = Object.fromEntries(
        Object.entries(b)
          .filter(([, v]) => v !== '')
          .map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v])
      )
      return { faults: deps.faults.set(c.get('shop').code, faultSettingsSchema.parse(cleaned)) }
    })
  )
  app.delete('/faults', (c) => {
    deps.faults.clear(c.get('shop').code)
    return c.json({ success: true })
  })
  return app
}
