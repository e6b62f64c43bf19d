/**
 * A tenant connected to its own sandbox CRM shop, with scheduler deps on the sandbox clock: the
 * CRM client advances the clock 100 ms per call (so the emulator's 10 requests/s limit holds), the
 * queue is a recording fake, and startRun is the engine's real one (one active run per sync).
 */
import { eq } from 'drizzle-orm'
import { createRetailCrmClient } from '../../src/clients/retailcrm'
import { markTenantBroken } from '../../src/db/queries/tenants'
import { pendingChanges, runs, syncs, tenants } from '../../src/db/schema'
import type { ShopDefinition } from '../../src/sandbox/retailcrm/shops'
import { DEFAULT_LIMITS, type ScheduleLimits } from '../../src/schedule/config'
import type { CrmPort, ScheduleDeps } from '../../src/schedule/deps'
import { startRun } from '../../src/sync/start'
import { makeAccount, makeSync, makeTenant, testDb } from '../support/fixtures'
import { installRetailCrm } from '../support/sandbox-retailcrm'

let n = 0

/** 2,000 clean customers; `dyn` = customers 1..500 (dynamic), `stat` static, `other` dynamic. */
export function shopDef(code: string): ShopDefinition {
  return {
    code,
    seed: 3,
    customers: 2000,
    quirks: false,
    creationHistory: false,
    createdAt: Date.UTC(2026, 10, 1),
    segments: [
      { code: 'dyn', name: 'Dynamic', dynamic: true, offset: 1, stride: 1, size: 500 },
      { code: 'stat', name: 'Static', dynamic: false, offset: 1, stride: 2, size: 100 },
      { code: 'other', name: 'Other', dynamic: true, offset: 1001, stride: 1, size: 100 },
    ],
  }
}

export async function setupTenant(o: { limits?: Partial<ScheduleLimits> } = {}) {
  n++
  const code = `sched${n}-${Math.floor(Math.random() * 1e6)}`
  const origin = `https://${code}.retailcrm.ru`
  const crm = await installRetailCrm({ origin, shop: shopDef(code) })
  const apiKey = await crm.issueKey()
  const db = await testDb()
  // Ticks are global: earlier tests' tenants (same database) go quiet so they do not interfere.
  await db.update(tenants).set({ active: false })
  const tenant = await makeTenant({ systemUrl: crm.systemUrl })
  const account = await makeAccount(tenant.id)
  const sent: unknown[] = []
  const queue = {
    send: async (m: unknown) => {
      sent.push(m)
    },
    sendBatch: async (ms: { body: unknown }[]) => {
      for (const m of ms) sent.push(m.body)
    },
  } as unknown as Queue<never>
  const crmCalls: string[] = []
  const client = (key = apiKey) =>
    createRetailCrmClient({
      systemUrl: crm.systemUrl,
      apiKey: key,
      limiter: { acquire: async () => crm.clock.advance(100) },
      onCall: (e) => crmCalls.push(e),
    })
  const deps: ScheduleDeps = {
    db,
    queue,
    now: crm.clock.now,
    crm: async (t): Promise<CrmPort> => {
      if (t.id !== tenant.id) throw new Error(`unexpected poll of tenant ${t.id}`)
      return client()
    },
    startRun,
    markBroken: (id, reason) => markTenantBroken(db, id, reason, crm.clock.now()),
    limits: { ...DEFAULT_LIMITS, ...o.limits },
  }
  const sync = (code: string | null, over: Partial<typeof syncs.$inferInsert> = {}) =>
    makeSync(tenant.id, account.id, {
      segmentId:
        code === null ? null : shopDef('x').segments!.findIndex((s) => s.code === code) + 1,
      segmentCode: code,
      segmentIsDynamic: code === null ? null : code !== 'stat',
      allCustomers: code === null,
      createdAt: crm.clock.now(),
      ...over,
    })
  return {
    crm,
    db,
    deps,
    tenant,
    account,
    sent,
    crmCalls,
    client,
    sync,
    tenantRow: async () => (await db.select().from(tenants).where(eq(tenants.id, tenant.id)))[0]!,
    syncRow: async (id: number) => (await db.select().from(syncs).where(eq(syncs.id, id)))[0]!,
    runsOf: (syncId: number) => db.select().from(runs).where(eq(runs.syncId, syncId)),
    pending: async () =>
      (await db.select().from(pendingChanges).where(eq(pendingChanges.tenantId, tenant.id)))
        .map((r) => r.customerId)
        .sort((a, b) => a - b),
    /** Marks every active run of the tenant done (as the engine would when it finishes). */
    finishRuns: () =>
      db
        .update(runs)
        .set({ status: 'done', finishedAt: crm.clock.now() })
        .where(eq(runs.tenantId, tenant.id)),
  }
}
