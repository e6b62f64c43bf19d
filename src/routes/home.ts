/** GET /: where a signed-in person starts — add a Unisender account first, else the sync list. */
import { Hono } from 'hono'
import { listAccounts } from '../db/queries/accounts'
import type { AppEnv } from '../env'

export const home = new Hono<AppEnv>().get('/', async (c) => {
  const accounts = await listAccounts(c.var.db, c.var.tenant.id)
  return c.redirect(accounts.length ? '/syncs' : '/accounts', 303)
})
