/**
 * The sandbox control endpoint (for the benchmark and manual demos): fault injection, call
 * counters, accounts, and bulk seeding of generated contacts. Sandbox only — the sandbox Worker is
 * never deployed with the module.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { SandboxAppEnv } from '../env'
import { createAccount, createListRow, seedContacts, updateAccount } from './accounts'
import { faultSettingsSchema } from './faults'
import type { SandboxState } from './state'
import { findAccountByLogin, getLists } from './store'

const accountSchema = z.object({
  login: z.string().min(1),
  apiKey: z.string().min(8),
  contactLimit: z.number().int().positive().optional(),
  testMode: z.boolean().optional(),
  apiEnabled: z.boolean().optional(),
})

const patchSchema = accountSchema.pick({ contactLimit: true, testMode: true, apiEnabled: true })

/** Generated contacts `{prefix}{i}@{domain}` for i in [start, start+count) into a list by title. */
const seedSchema = z.object({
  login: z.string(),
  listTitle: z.string().min(1),
  start: z.number().int().min(0).default(0),
  count: z.number().int().min(1).max(50_000),
  prefix: z.string().default('bench'),
  domain: z.string().default('example.com'),
})

async function body<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  return schema.parse(await req.json())
}

export function controlRoutes(state: SandboxState) {
  const app = new Hono<SandboxAppEnv>()
  app.onError((err, c) => c.json({ error: err instanceof Error ? err.message : 'error' }, 400))
  app.get('/state', (c) => c.json({ faults: state.faults.get(), calls: state.callCounts() }))
  app.put('/faults', async (c) => {
    state.faults.set(await body(c.req.raw, faultSettingsSchema))
    return c.json({ ok: true, faults: state.faults.get() })
  })
  app.delete('/faults', (c) => {
    state.faults.clear()
    return c.json({ ok: true })
  })
  app.post('/reset', (c) => {
    state.reset()
    return c.json({ ok: true })
  })
  app.post('/accounts', async (c) => {
    const a = await body(c.req.raw, accountSchema)
    const created = await createAccount(c.env.SANDBOX_DB, a, state.now())
    return c.json({ login: created.login, id: created.id }, 201)
  })
  app.patch('/accounts/:login', async (c) => {
    await updateAccount(c.env.SANDBOX_DB, c.req.param('login'), await body(c.req.raw, patchSchema))
    return c.json({ ok: true })
  })
  app.post('/seed', async (c) => {
    const s = await body(c.req.raw, seedSchema)
    const db = c.env.SANDBOX_DB
    const account = await findAccountByLogin(db, s.login)
    if (!account) return c.json({ error: 'unknown login' }, 404)
    const lists = await getLists(db, account.id)
    const listId =
      lists.find((l) => l.title === s.listTitle)?.id ??
      (await createListRow(db, account.id, s.listTitle, state.now()))
    const contacts = Array.from({ length: s.count }, (_, k) => ({
      email: `${s.prefix}${s.start + k}@${s.domain}`,
      lists: [listId],
    }))
    await seedContacts(db, account.id, contacts, state.now())
    return c.json({ ok: true, listId, seeded: s.count })
  })
  return app
}
