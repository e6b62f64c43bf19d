/**
 * The shared-read world (docs/shared-read.md): one sandbox shop, one exact sync per source on its
 * own list, all due together as after a reconnect, and the scheduler wired to it; plus what the
 * tests compare (each source's valid emails, the group's runs and /customers calls).
 */
import { eq } from 'drizzle-orm'
import { expect } from 'vitest'
import { runs, syncs, tenants } from '../../src/db/schema'
import type { SegmentDefinition } from '../../src/sandbox/retailcrm/shops'
import { dispatchDue } from '../../src/schedule/dispatch'
import { parseApiCalls } from '../../src/sync/api-calls'
import { classifyCustomer } from '../../src/sync/normalize'
import { parseCursor } from '../../src/sync/state'
import { makeSync } from './fixtures'
import { makeWorld, sandboxCrmClient, schedulerFor, type World } from './world'

let shops = 0

/**
 * A shop of C clean customers, one exact sync per code (null: all customers) on its own list,
 * each list holding a stranger to remove; every sync due for a reconcile (as after a reconnect),
 * with the segment sizes the segment watch saw. The CRM serves 250 a page.
 */
export async function groupWorld(
  segments: SegmentDefinition[],
  codes: (string | null)[],
  o: { customers?: number; quirks?: boolean } = {}
) {
  const size = (code: string | null) => segments.find((s) => s.code === code)?.size ?? null
  const w = await makeWorld({
    shop: {
      code: `shared-${++shops}-${Math.floor(Math.random() * 1e6)}`,
      seed: 11,
      customers: o.customers ?? 2000,
      quirks: o.quirks ?? false,
      creationHistory: false,
      segments,
    },
    sync: { segmentCode: codes[0] ?? null, allCustomers: codes[0] === null },
  })
  w.crm.faults.set({ customers250: 'accept' })
  const all = [w.sync]
  for (const [i, code] of codes.slice(1).entries()) {
    const listId = await w.uni.createList(w.account, `List ${i + 1}`)
    all.push(
      await makeSync(w.tenant.id, w.sync.unisenderAccountId, {
        segmentCode: code,
        allCustomers: code === null,
        listId,
        listTitle: `List ${i + 1}`,
        mode: 'exact',
      })
    )
  }
  const now = w.crm.clock.now()
  for (const s of all) {
    await w.db
      .update(syncs)
      .set({
        nextRunAt: now - 1000,
        nextRunKind: 'reconcile',
        lastSeenCustomersCount: size(s.allCustomers ? null : s.segmentCode),
      })
      .where(eq(syncs.id, s.id))
    await w.uni.seedContacts(w.account, [
      { email: `stranger-${s.id}@example.org`, lists: [s.listId!] },
    ])
  }
  await w.db
    .update(tenants)
    .set({ historySinceId: 1, lastReconcileAt: now })
    .where(eq(tenants.id, w.tenant.id))
  const deps = await schedulerFor(w)
  const dispatchCalls: string[] = []
  const key = await w.crm.issueKey()
  deps.crm = async () => sandboxCrmClient(w.crm, key, (e) => dispatchCalls.push(e))
  // All of them start in one dispatch (by default 3 full runs a shop start per tick).
  deps.limits = { ...deps.limits, maxStartsPerTenant: 8 }
  return { w, syncs: all, deps, dispatchCalls }
}

export type G = Awaited<ReturnType<typeof groupWorld>>

/** The valid emails of a source now (what an exact list must hold), sorted. */
export async function expected(w: World, code: string | null) {
  const crm = sandboxCrmClient(w.crm, await w.crm.issueKey())
  const out = new Set<string>()
  for (let page = 1; ; page++) {
    const res = await crm.listCustomers({ ...(code ? { segment: code } : {}), page, limit: 100 })
    for (const c of res.customers) {
      const k = classifyCustomer(c)
      if (k.kind === 'valid') out.add(k.email)
    }
    if (page >= res.pagination.totalPageCount) break
  }
  return [...out].sort()
}

/** The runs of the group's syncs (one each), by sync order. */
export async function groupRuns(g: G) {
  const rows = await g.w.db.select().from(runs).where(eq(runs.tenantId, g.w.tenant.id))
  return g.syncs.map((s) => {
    const r = rows.find((x) => x.syncId === s.id)
    if (!r) throw new Error(`no run of sync ${s.id}`)
    return { ...r, cursorParsed: parseCursor(r.cursor), calls: parseApiCalls(r.apiCalls) }
  })
}

/** /customers calls of the whole group: its runs' and the dispatch's. */
export async function customersCalls(g: G) {
  const rs = await groupRuns(g)
  const ofRuns = rs.reduce((n, r) => n + (r.calls.detail['retailcrm:customers'] ?? 0), 0)
  return ofRuns + g.dispatchCalls.filter((e) => e.endsWith('/customers')).length
}

/** Every list is exactly its source (the stranger removed). */
export async function expectExact(g: G) {
  for (const s of g.syncs) {
    const want = await expected(g.w, s.allCustomers ? null : s.segmentCode)
    expect(await g.w.listEmails(s.listId!)).toEqual(want)
  }
}

export async function dispatch(g: G) {
  const res = await dispatchDue(g.deps, g.w.tenant.id)
  expect(res.started.length).toBe(g.syncs.length)
  return res
}
