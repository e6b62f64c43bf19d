/**
 * Tenant isolation across the whole app: every route with an id in its path is called by a signed-in
 * person of tenant B with tenant A's ids (and B's valid CSRF token, so CSRF is not what stops it).
 * Each must answer 404 and leave A's rows as they were. Routes are read from the app itself, so a
 * new id-bearing route is covered automatically (and fails here if its parameter is unknown).
 */
import { env, exports } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createApp } from '../src/app'
import { createDb } from '../src/db/client'
import { runs, syncs, unisenderAccounts } from '../src/db/schema'
import { makeAccount, makeRun, makeSync } from './support/fixtures'
import { loginAs } from './support/session'
import { makeConnectedTenant } from './support/world'

async function world() {
  const { tenant } = await makeConnectedTenant()
  const account = await makeAccount(tenant.id)
  const sync = await makeSync(tenant.id, account.id)
  const run = await makeRun(tenant.id, sync.id, { status: 'needs_confirmation' })
  return { tenant, account, sync, run }
}

async function snapshot(tenantId: number) {
  const db = createDb(env.DB)
  return {
    accounts: await db
      .select()
      .from(unisenderAccounts)
      .where(eq(unisenderAccounts.tenantId, tenantId)),
    syncs: await db.select().from(syncs).where(eq(syncs.tenantId, tenantId)),
    runs: await db.select().from(runs).where(eq(runs.tenantId, tenantId)),
  }
}

const idRoutes = createApp()
  .routes.filter((r) => r.method !== 'ALL' && r.path.includes('/:'))
  .filter((r) => !r.path.startsWith('/retailcrm/')) // authenticated by clientId, not tenant ids

describe('cross-tenant access', () => {
  it('covers the id-bearing routes of the app', () => {
    expect(idRoutes.length).toBeGreaterThan(0)
  })

  it('is a real check: the owner reaches the same kind of URL', async () => {
    const a = await world()
    const session = await loginAs(a.tenant.id)
    for (const url of [
      `/syncs/${a.sync.id}/runs/${a.run.id}/rejects.csv`,
      `/accounts/${a.account.id}/delete`,
    ]) {
      const res = await exports.default.fetch(`https://module.test${url}`, {
        headers: { ...session.headers, accept: 'text/html' },
      })
      expect(res.status, url).toBe(200)
    }
  })

  it.each(idRoutes.map((r) => [r.method, r.path] as const))(
    "%s %s with another tenant's ids answers 404 and changes nothing",
    async (method, path) => {
      const a = await world()
      await world() // B has objects of its own, so "nothing found at all" is not what we test
      const bTenant = (await makeConnectedTenant()).tenant
      await makeSync(bTenant.id, (await makeAccount(bTenant.id)).id)
      const session = await loginAs(bTenant.id)
      const before = await snapshot(a.tenant.id)

      const url = path.replace(/:(\w+)/g, (_m, name: string) => {
        if (name === 'runId') return String(a.run.id)
        if (name === 'id' && path.startsWith('/accounts/')) return String(a.account.id)
        if (name === 'id' && path.startsWith('/syncs/')) return String(a.sync.id)
        throw new Error(`cross-tenant test: teach it the parameter :${name} of ${path}`)
      })
      const res = await exports.default.fetch(`https://module.test${url}`, {
        method,
        headers: {
          ...session.headers,
          accept: 'text/html',
          ...(method === 'GET' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        body:
          method === 'GET'
            ? undefined
            : new URLSearchParams({ _csrf: session.csrfToken, confirm: '1' }).toString(),
        redirect: 'manual',
      })
      expect(res.status).toBe(404)
      expect(await snapshot(a.tenant.id)).toEqual(before)
    }
  )
})
