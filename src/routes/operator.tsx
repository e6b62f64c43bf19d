/**
 * GET /operator: the hosting operator's overview (src/operator), behind the operator token
 * (src/http/operator-auth.ts). Read-only, so it needs no CSRF token; never cached.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { requireOperator } from '../http/operator-auth'
import { operatorOverview } from '../operator/overview'
import { OperatorPage } from '../ui/pages/operator'

export const operator = new Hono<AppEnv>().use(requireOperator).get('/', async (c) => {
  const now = Date.now()
  const o = await operatorOverview(c.var.db, now)
  return c.html(`<!doctype html>${(<OperatorPage o={o} now={now} />).toString()}`)
})
