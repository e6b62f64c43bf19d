/**
 * Helpers of the incremental-run tests: a scheduler wired to a sync test world, what the list must
 * hold, and the newest run of the sync.
 */
import { eq } from 'drizzle-orm'
import { createRetailCrmClient } from '../../src/clients/retailcrm'
import { runs, tenants } from '../../src/db/schema'
import { DEFAULT_LIMITS } from '../../src/schedule/config'
import type { ScheduleDeps } from '../../src/schedule/deps'
import { classifyCustomer } from '../../src/sync/normalize'
import { startRun } from '../../src/sync/start'
import type { World } from '../sync/world'

export async function schedulerFor(w: World): Promise<ScheduleDeps> {
  await w.db.update(tenants).set({ active: false })
  await w.db.update(tenants).set({ active: true }).where(eq(tenants.id, w.tenant.id))
  const key = await w.crm.issueKey()
  return {
    db: w.db,
    queue: w.queue as never,
    now: w.crm.clock.now,
    crm: async () =>
      createRetailCrmClient({
        systemUrl: w.crm.systemUrl,
        apiKey: key,
        limiter: { acquire: async () => w.crm.clock.advance(100) },
      }),
    startRun,
    markBroken: async () => {},
    limits: { ...DEFAULT_LIMITS, incrementalEnabled: true },
  }
}

/** The valid, not opted-out emails of the segment now (what the list must hold in exact mode). */
export async function segmentEmails(w: World) {
  const key = await w.crm.issueKey()
  const crm = createRetailCrmClient({
    systemUrl: w.crm.systemUrl,
    apiKey: key,
    limiter: { acquire: async () => w.crm.clock.advance(100) },
  })
  const out = new Set<string>()
  for (let page = 1; ; page++) {
    const res = await crm.listCustomers({ segment: 'seg', page, limit: 100 })
    for (const c of res.customers) {
      const k = classifyCustomer(c)
      if (k.kind === 'valid') out.add(k.email)
    }
    if (page >= res.pagination.totalPageCount) break
  }
  return [...out].sort()
}

/** Every customer's valid email, sorted. */
export async function allEmails(w: World) {
  const crm = createRetailCrmClient({
    systemUrl: w.crm.systemUrl,
    apiKey: await w.crm.issueKey(),
    limiter: { acquire: async () => w.crm.clock.advance(100) },
  })
  const out: string[] = []
  for (let page = 1; ; page++) {
    const res = await crm.listCustomers({ page, limit: 100 })
    for (const c of res.customers) {
      const k = classifyCustomer(c)
      if (k.kind === 'valid') out.push(k.email)
    }
    if (page >= res.pagination.totalPageCount) break
  }
  return out.sort()
}

export async function lastRun(w: World) {
  const rows = await w.db.select().from(runs).where(eq(runs.syncId, w.sync.id))
  return rows.at(-1)!
}
