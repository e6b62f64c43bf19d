/**
 * One change, one read, every sync at once (issue 17): a shop with several syncs on one segment.
 * The history poller re-reads the changed customers once (ceil(changed/100) calls by id) and
 * records them; every affected sync's incremental run starts in the same tick and applies the
 * change from that record, without reading the CRM again. Duplicate deliveries, a poller that
 * fails mid-way and a page that went missing change nothing twice and remove nothing unproven;
 * the removal guard and consent hold for every sync.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/clients/errors'
import { changePages, runs, type Sync, syncs, tenants } from '../../src/db/schema'
import type { CrmPort, ScheduleDeps } from '../../src/schedule/deps'
import { pollTenantHistory } from '../../src/schedule/poll'
import { pollHistoryStep } from '../../src/schedule/poll-message'
import { normaliseEmail } from '../../src/sync/normalize'
import { processRunStep } from '../../src/sync/process'
import { makeSync } from '../support/fixtures'
import { countingScheduler, settle } from '../support/incremental'
import { tickAndPoll } from '../support/schedule-queue'
import {
  makeWorld,
  sandboxCrmClient,
  schedulerFor,
  segmentEmails,
  smallShop,
  type World,
} from '../support/world'

type Mode = Sync['mode']

/** A settled shop (segment = customers 1..150) with one sync per mode given, each its own list. */
async function shop(modes: Mode[], over: Partial<typeof syncs.$inferInsert>[] = []) {
  const w = await makeWorld({
    shop: smallShop(400, { size: 150 }, false),
    mode: modes[0],
    sync: over[0],
  })
  const all: Sync[] = [w.sync]
  for (let i = 1; i < modes.length; i++) {
    const listId = await w.uni.createList(w.account, `List ${i}`)
    all.push(
      await makeSync(w.tenant.id, w.sync.unisenderAccountId, {
        segmentId: w.sync.segmentId,
        segmentCode: 'seg',
        listId,
        listTitle: `List ${i}`,
        mode: modes[i],
        ...over[i],
      })
    )
  }
  const plain = await schedulerFor(w)
  // Full runs start at most maxStartsPerTenant per tick, so a big shop settles over a few ticks.
  const wide = { ...plain, limits: { ...plain.limits, maxStartsPerTenant: 20 } }
  await settle(
    w,
    wide,
    all.map((s) => s.id)
  )
  const { deps, calls } = await countingScheduler(w, plain)
  return { w, deps, calls, syncs: all }
}

async function emailOf(w: World, id: number) {
  const crm = sandboxCrmClient(w.crm, await w.crm.issueKey())
  const res = await crm.listCustomers({ ids: [id], limit: 20 })
  return normaliseEmail(res.customers[0]!.email)
}

const tenantRow = async (w: World) =>
  (await w.db.select().from(tenants).where(eq(tenants.id, w.tenant.id)))[0]!
const listOf = (w: World, s: Sync) => w.uni.activeEmails(s.listId!)
const syncRows = (w: World) => w.db.select().from(syncs).where(eq(syncs.tenantId, w.tenant.id))
const pages = (w: World) =>
  w.db.select().from(changePages).where(eq(changePages.tenantId, w.tenant.id))
const runsOf = (w: World, s: Sync) => w.db.select().from(runs).where(eq(runs.syncId, s.id))
const lastRunOf = async (w: World, s: Sync) => (await runsOf(w, s)).sort((a, b) => b.id - a.id)[0]!

/** What each list must hold now: exact = the segment, union = what it held plus the segment. */
async function expected(w: World, s: Sync, before: string[]) {
  const seg = await segmentEmails(w)
  return s.mode === 'exact' ? seg : [...new Set([...before, ...seg])].sort()
}

/** Delivers every run step twice, and each one once more as a retry after its commit. */
async function drainTwice(w: World) {
  while (w.sent.length > 0) {
    const { msg } = w.sent.shift()!
    expect((await processRunStep(env, msg, { attempts: 1 }, w.overrides())).kind).toBe('ack')
    // A redelivery of a committed step (its ack lost): acked, re-sending the next step at most.
    await processRunStep(env, msg, { attempts: 2 }, w.overrides())
    await processRunStep(env, msg, { attempts: 1 }, w.overrides())
  }
}

describe('one change, one read, every sync at once', { timeout: 60_000 }, () => {
  for (const n of [4, 10]) {
    it(`${n} syncs on one segment: a 7-customer change is read once and every list is right after the tick`, async () => {
      const modes: Mode[] = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'exact' : 'union'))
      const { w, deps, calls, syncs: all } = await shop(modes)
      const before = await Promise.all(all.map((s) => listOf(w, s)))
      await w.crm.recalculate('seg', { add: 4, remove: 3 })

      const tick = await tickAndPoll(deps)
      // Every affected sync starts in this tick, incrementally, however many there are.
      expect(tick.dispatch.started.map((s) => [s.syncId, s.kind]).sort()).toEqual(
        all.map((s) => [s.id, 'incremental']).sort()
      )
      await w.drain()

      // The CRM: the history and one read of the 7 customers by id, for all syncs together.
      expect(calls.filter((c) => c.endsWith('/customers'))).toHaveLength(1)
      for (const s of all) {
        const run = await lastRunOf(w, s)
        expect([run.kind, run.status]).toEqual(['incremental', 'done'])
        expect(JSON.parse(run.apiCalls).retailcrm ?? 0).toBe(0)
        expect(JSON.parse(run.counts)).toMatchObject({ readFromCrm: 7, added: 4 })
      }
      for (const [i, s] of all.entries())
        expect(await listOf(w, s)).toEqual(await expected(w, s, before[i]!))
      // Nothing is left for a second tick: no mark, every watermark at the cursor.
      const cursor = (await tenantRow(w)).historySinceId
      for (const r of await syncRows(w)) {
        expect(r.nextRunKind).toBeNull()
        expect(r.historyAppliedId).toBe(cursor)
      }
      // The next tick finds nothing to do; the page every sync has applied goes when the shop's
      // next runs start, so only the newest change stays recorded.
      const next = await tickAndPoll(deps)
      expect(next.dispatch.started).toEqual([])
      await w.crm.recalculate('seg', { add: 1, remove: 0 })
      await tickAndPoll(deps)
      expect((await pages(w)).map((p) => p.fromId)).toEqual([cursor])
      await w.drain()
    })
  }

  it('duplicate deliveries and a poller that fails mid-way change nothing twice', async () => {
    const { w, deps, calls, syncs: all } = await shop(['exact', 'union', 'exact', 'union'])
    const before = await Promise.all(all.map((s) => listOf(w, s)))
    const cursor = (await tenantRow(w)).historySinceId
    await w.crm.recalculate('seg', { add: 4, remove: 3 })

    // The re-read fails after the history page was read: nothing is recorded, nothing starts.
    let fail = true
    const flaky: ScheduleDeps = {
      ...deps,
      crm: async (t, n) => {
        const real = await deps.crm(t, n)
        const port: CrmPort = {
          customersHistory: (q) => real.customersHistory(q),
          listSegments: (q) => real.listSegments(q),
          listCustomers: (q) => {
            if (!fail) return real.listCustomers(q)
            fail = false
            throw new ApiError('retailcrm', 'retryable', 'http_502', 'Bad gateway')
          },
        }
        return port
      },
    }
    const first = await tickAndPoll(flaky)
    expect(first.retry).toHaveLength(1)
    expect(first.dispatch.started).toEqual([])
    expect(await pages(w)).toEqual([])
    expect((await tenantRow(w)).historySinceId).toBe(cursor)
    expect((await syncRows(w)).every((r) => r.nextRunKind === null)).toBe(true)

    // Two pollers of the same backlog at once (the retried message and a stale duplicate): one
    // page, one mark per sync.
    const stale = await tenantRow(w)
    await pollTenantHistory(deps, stale, await deps.crm(stale), 3)
    await pollTenantHistory(deps, stale, await deps.crm(stale), 3)
    expect(await pages(w)).toHaveLength(1)
    const redelivered = await pollHistoryStep(deps, first.retry[0]!, 2)
    expect(redelivered.kind).toBe('ack')
    const started = redelivered.kind === 'ack' ? (redelivered.dispatch?.started ?? []) : []
    expect(started.map((s) => s.syncId).sort()).toEqual(all.map((s) => s.id).sort())

    const imports = w.uni.calls('importContacts')
    await drainTwice(w)
    // One import per sync (4 additions and, for exact, 3 removals in one call), not more.
    expect(w.uni.calls('importContacts') - imports).toBe(all.length)
    for (const [i, s] of all.entries()) {
      const done = (await runsOf(w, s)).filter((r) => r.kind === 'incremental')
      expect(done).toHaveLength(1)
      expect(done[0]!.status).toBe('done')
      expect(JSON.parse(done[0]!.counts)).toMatchObject({
        added: 4,
        removed: s.mode === 'exact' ? 3 : 0,
      })
      expect(await listOf(w, s)).toEqual(await expected(w, s, before[i]!))
    }
    // Two re-reads in all: the failed call and the one that was recorded.
    expect(calls.filter((c) => c.endsWith('/customers'))).toHaveLength(2)
  })

  it('a page that is missing turns the run full: nothing is removed on an incomplete picture', async () => {
    const { w, deps, syncs: all } = await shop(['exact', 'exact'])
    await w.crm.recalculate('seg', { add: 2, remove: 2 })
    await tickAndPoll(deps)
    // The page goes (e.g. a migration emptied the table) before the runs plan.
    await w.db.delete(changePages).where(eq(changePages.tenantId, w.tenant.id))
    await w.drain()
    for (const s of all) {
      const run = await lastRunOf(w, s)
      expect([run.kind, run.status]).toEqual(['full', 'done'])
      expect(await listOf(w, s)).toEqual(await segmentEmails(w))
    }
  })

  it('the removal guard and consent hold for every sync', async () => {
    const {
      w,
      deps,
      syncs: all,
    } = await shop(['exact', 'union', 'exact'], [{}, {}, { guardPercent: 1, guardMinCount: 2 }])
    const [exact, union, guarded] = all as [Sync, Sync, Sync]
    const unionBefore = await listOf(w, union)
    const leavers = [await emailOf(w, 1), await emailOf(w, 2), await emailOf(w, 3)]
    const optedOut = await emailOf(w, 10)
    const joiner = await emailOf(w, 151) // joins next; unsubscribed from two lists in Unisender
    await w.uni.seedContacts(w.account, [
      { email: joiner, unsubscribedLists: [exact.listId!, union.listId!] },
    ])
    await w.crm.unsubscribe(10) // a member opts out of marketing email in the CRM
    await w.crm.recalculate('seg', { add: 2, remove: 3 })
    await tickAndPoll(deps)
    await w.drain()

    // Exact: the leavers and the opted-out member go; the joiner stays unsubscribed.
    const exactList = await listOf(w, exact)
    for (const e of [...leavers, optedOut, joiner]) expect(exactList).not.toContain(e)
    expect((await lastRunOf(w, exact)).kind).toBe('incremental')
    // Union never removes, adds no opt-out, and does not resubscribe the joiner.
    const unionList = await listOf(w, union)
    expect(unionList).toEqual(
      [...new Set([...unionBefore, ...(await segmentEmails(w))])].filter((e) => e !== joiner).sort()
    )
    for (const s of [exact, union]) {
      const m = (await w.uni.members(s.listId!)).find((x) => x.email === joiner)
      expect(m?.listStatus).toBe('unsubscribed')
    }
    // 3 of 150 is above this sync's 1 % guard: its run turned full and waits for confirmation,
    // with the leavers still in its list.
    const held = await lastRunOf(w, guarded)
    expect([held.kind, held.status]).toEqual(['full', 'needs_confirmation'])
    const guardedList = await listOf(w, guarded)
    for (const e of leavers) expect(guardedList).toContain(e)
  })
})
