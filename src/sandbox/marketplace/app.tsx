/**
 * The marketplace simulator as a Hono app: the sandbox home page at `/`, "Подключить" (the simple
 * connection), activity callbacks and the creation of benchmark shops. `systemUrlFor` lets tests
 * put the shop on an https origin (the module accepts only https CRM URLs outside development).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { SandboxEnv } from '../env'
import { getModule, listModules } from '../retailcrm/keys'
import { ensureSchema, insertShop } from '../retailcrm/schema'
import { benchShop } from '../retailcrm/shops'
import { type ActivityAction, connect, sendActivity } from './connect'
import { handoffPage, homePage, resultPage, type ShopSummary } from './pages'

export interface MarketplaceOptions {
  /** systemUrl of a shop; default `{origin of the request}/crm/{shop}`. */
  systemUrlFor?: (shop: string, requestUrl: string) => string
  now?: () => number
}

const newShopSchema = z.object({
  code: z.string().regex(/^[a-z0-9-]{1,40}$/),
  customers: z.coerce.number().int().min(1).max(5_000_000),
  share: z.coerce.number().min(0).max(1).default(0.99),
  /** Exact segment size (overrides share); must not exceed customers. */
  size: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).optional()),
})

/** Builds the simulator app (mounted at the sandbox Worker's root). */
export function createMarketplace(opts: MarketplaceOptions = {}) {
  const now = opts.now ?? (() => Date.now())
  const systemUrlFor =
    opts.systemUrlFor ?? ((shop: string, url: string) => `${new URL(url).origin}/crm/${shop}`)
  const app = new Hono<{ Bindings: SandboxEnv }>()
  app.use(async (c, next) => {
    await ensureSchema(c.env.SANDBOX_DB)
    await next()
  })
  const moduleUrl = (env: SandboxEnv) =>
    (env.MODULE_URL ?? 'http://localhost:8787').replace(/\/$/, '')

  app.get('/', async (c) => {
    const db = c.env.SANDBOX_DB
    const { results } = await db
      .prepare(
        `SELECT s.code, s.name, s.customers + s.extra_customers AS customers,
         (SELECT count(*) FROM crm_segments g WHERE g.shop = s.code) AS segments
         FROM crm_shops s ORDER BY s.created_at, s.code`
      )
      .all<{ code: string; name: string; customers: number; segments: number }>()
    const shops: ShopSummary[] = await Promise.all(
      results.map(async (r) => ({
        ...r,
        systemUrl: systemUrlFor(r.code, c.req.url),
        modules: await listModules(db, r.code),
      }))
    )
    return c.html(homePage({ shops, moduleUrl: moduleUrl(c.env), message: c.req.query('error') }))
  })

  app.post('/marketplace/shops/:shop/connect', async (c) => {
    const shop = c.req.param('shop')
    const exists = await c.env.SANDBOX_DB.prepare('SELECT 1 AS x FROM crm_shops WHERE code = ?')
      .bind(shop)
      .first()
    if (!exists)
      return c.html(resultPage({ title: 'Магазин не найден', ok: false, lines: [shop] }), 404)
    const result = await connect({
      db: c.env.SANDBOX_DB,
      shop,
      systemUrl: systemUrlFor(shop, c.req.url),
      moduleUrl: moduleUrl(c.env),
      secret: c.env.MODULE_SECRET ?? '',
      now: now(),
    })
    if (result.ok) return c.html(handoffPage(result))
    const step = {
      config: 'запрос конфигурации',
      register: 'регистрация',
      edit: 'регистрация модуля в CRM',
    }[result.step]
    return c.html(
      resultPage({
        title: 'Не удалось подключить модуль',
        ok: false,
        lines: [
          `Шаг: ${step}`,
          result.message,
          ...(result.status ? [`HTTP ${result.status}`] : []),
        ],
        body: result.body,
      }),
      502
    )
  })

  app.post('/marketplace/shops/:shop/modules/:code/activity', async (c) => {
    const { shop, code } = c.req.param()
    const form = await c.req.parseBody()
    const action = String(form.action ?? '')
    if (!['deactivate', 'freeze', 'reactivate'].includes(action)) {
      return c.html(resultPage({ title: 'Неизвестное действие', ok: false, lines: [action] }), 400)
    }
    const module = await getModule(c.env.SANDBOX_DB, shop, code)
    if (!module)
      return c.html(resultPage({ title: 'Модуль не найден', ok: false, lines: [code] }), 404)
    const res = await sendActivity({
      db: c.env.SANDBOX_DB,
      shop,
      systemUrl: systemUrlFor(shop, c.req.url),
      module,
      action: action as ActivityAction,
      now: now(),
    })
    if ('error' in res)
      return c.html(resultPage({ title: 'Модуль не ответил', ok: false, lines: [res.error] }), 502)
    return c.html(
      resultPage({
        title: 'Ответ модуля на смену активности',
        ok: res.status >= 200 && res.status < 300,
        lines: [`POST ${res.url}`, `HTTP ${res.status}`],
        body: res.body,
      })
    )
  })

  // Creates a benchmark shop; a form (home page) is redirected back, JSON (bench scripts) gets JSON.
  app.post('/marketplace/shops', async (c) => {
    const isJson = (c.req.header('content-type') ?? '').includes('application/json')
    const parsed = newShopSchema.safeParse(isJson ? await c.req.json() : await c.req.parseBody())
    const fail = (msg: string, status: 400 | 409) =>
      isJson
        ? c.json({ success: false, errorMsg: msg }, status)
        : c.redirect(`/?error=${encodeURIComponent(msg)}`, 303)
    if (!parsed.success) return fail(z.prettifyError(parsed.error), 400)
    const { code, customers, share, size } = parsed.data
    if (size !== undefined && size > customers) return fail('size > customers', 400)
    const created = await insertShop(
      c.env.SANDBOX_DB,
      benchShop(code, customers, share, size),
      now()
    )
    if (!created) return fail(`Магазин ${code} уже есть`, 409)
    if (isJson)
      return c.json({ success: true, code, systemUrl: systemUrlFor(code, c.req.url) }, 201)
    return c.redirect('/', 303)
  })

  return app
}
