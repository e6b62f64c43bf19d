/**
 * Exact-mode incremental runs end to end: members leaving or opting out are removed by the
 * incremental run when the holder index proves nobody else holds the address, and the run turns
 * full whenever it cannot — the list always ends equal to the segment.
 */
import { and, eq, lt } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runChunks, runs, syncs } from '../../src/db/schema'
import { normaliseEmail } from '../../src/sync/normalize'
import { KEEP_RUNS } from '../../src/sync/state'
import { makeRun } from '../support/fixtures'
import { countingScheduler, settle } from '../support/incremental'
import { tickAndPoll } from '../support/schedule-queue'
import {
  lastRun,
  makeWorld,
  sandboxCrmClient,
  schedulerFor,
  segmentEmails,
  smallShop,
  type World,
} from '../support/world'

async function emailOf(w: World, id: number): Promise<string> {
  const crm = sandboxCrmClient(w.crm, await w.crm.issueKey())
  const res = await crm.listCustomers({ ids: [id], limit: 20 })
  return normaliseEmail(res.customers[0]!.email)
}

/** A world after its first full run (segment = customers 1..150). */
async function synced() {
  const w = await makeWorld({ shop: smallShop(400, { size: 150 }, false), mode: 'exact' })
  const deps = await schedulerFor(w)
  await settle(w, deps)
  expect((await lastRun(w)).kind).toBe('full')
  return { w, deps }
}

// Every test runs the scheduler and the engine through two to four complete runs against both
// emulators (a few hundred D1 round trips): inherently heavy, hence the suite's own timeout.
describe('exact-mode incremental runs', { timeout: 15_000 }, () => {
  it('removes leaving members with one import call and creates no contact', async () => {
    const { w, deps } = await synced()
    const gone = [await emailOf(w, 1), await emailOf(w, 2), await emailOf(w, 3)]
    const contacts = await w.uni.contactCount(w.account)
    await w.crm.recalculate('seg', { add: 0, remove: 3 })
    await tickAndPoll(deps)
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(run.counts)).toMatchObject({ added: 0, removed: 3 })
    expect(JSON.parse(run.apiCalls).detail).toMatchObject({ 'unisender:importContacts': 1 })
    expect(JSON.parse(run.apiCalls).detail['unisender:async/exportContacts']).toBeUndefined()
    const list = await w.listEmails()
    for (const e of gone) expect(list).not.toContain(e)
    expect(list).toEqual(await segmentEmails(w))
    expect(await w.uni.contactCount(w.account)).toBe(contacts)
  })

  it('removes a member who opted out in the CRM', async () => {
    const { w, deps } = await synced()
    const email = await emailOf(w, 50)
    await w.crm.unsubscribe(50)
    await tickAndPoll(deps)
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(run.counts)).toMatchObject({ removed: 1, skippedOptedOut: 1 })
    expect(await w.listEmails()).not.toContain(email)
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })

  it('removes a member who joined in an earlier incremental run (appended to the index)', async () => {
    const { w, deps } = await synced()
    await w.crm.recalculate('seg', { add: 2, remove: 0 }) // 151 and 152 join
    await tickAndPoll(deps)
    await w.drain()
    expect((await lastRun(w)).kind).toBe('incremental')
    // The two members went to the index as one appended row, not one row per partition.
    const holder = (await w.syncRow()).holderRunId!
    const appended = await w.db
      .select()
      .from(runChunks)
      .where(and(eq(runChunks.runId, holder), eq(runChunks.side, 'H'), lt(runChunks.seq, 0)))
    expect(appended.map((r) => r.itemCount)).toEqual([2])
    const email = await emailOf(w, 151)
    expect(await w.listEmails()).toContain(email)
    await w.crm.unsubscribe(151)
    await tickAndPoll(deps)
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, JSON.parse(run.counts).removed]).toEqual(['incremental', 1])
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })

  it('keeps an address another member still holds (shared in the full run)', async () => {
    const w = await makeWorld({ shop: smallShop(400, { size: 150 }, false), mode: 'exact' })
    const shared = await emailOf(w, 100)
    await w.crm.changeEmail(2, shared) // before the first run: two members, one address
    const deps = await schedulerFor(w)
    await tickAndPoll(deps)
    await w.drain()
    await w.crm.recalculate('seg', { add: 0, remove: 3 }) // 1, 2, 3 leave; 100 stays
    await tickAndPoll(deps)
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['full', 'done']) // the index could not prove it
    expect(await w.listEmails()).toContain(shared)
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })

  it('keeps an address a member took on after the full run', async () => {
    const { w, deps } = await synced()
    const shared = await emailOf(w, 1)
    await w.crm.changeEmail(151, shared) // not a member yet: no run for it
    await tickAndPoll(deps)
    expect((await lastRun(w)).kind).toBe('full') // still the first run
    await w.crm.recalculate('seg', { add: 1, remove: 0 }) // 151 joins with 1's address
    await tickAndPoll(deps)
    await w.drain()
    expect((await lastRun(w)).kind).toBe('incremental')
    await w.crm.recalculate('seg', { add: 0, remove: 1 }) // 1 leaves; 151 still holds it
    await tickAndPoll(deps)
    await w.drain()
    const run = await lastRun(w)
    // 151 is in the index (appended by the incremental run) and was not re-read: no proof.
    expect([run.kind, run.status]).toEqual(['full', 'done'])
    expect(await w.listEmails()).toContain(shared)
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })

  it('goes full for a member who left and then changed address (the old one is unknown)', async () => {
    const { w, deps } = await synced()
    const old = await emailOf(w, 2)
    await w.crm.recalculate('seg', { add: 0, remove: 3 })
    await w.crm.changeEmail(2, 'brand-new@example.com')
    await tickAndPoll(deps)
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['full', 'done'])
    expect(await w.listEmails()).not.toContain(old)
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })

  it('goes full without a holder index (e.g. the last full read was incomplete)', async () => {
    const { w, deps } = await synced()
    await w.db.update(syncs).set({ holderRunId: null }).where(eq(syncs.id, w.sync.id))
    await w.crm.recalculate('seg', { add: 1, remove: 1 })
    await tickAndPoll(deps)
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['full', 'done'])
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
    // The full run built a new index.
    expect((await w.syncRow()).holderRunId).toBe(run.id)
  })

  it('applies many changed customers in one step, from the pages the poller recorded', async () => {
    const w = await makeWorld({ shop: smallShop(1200, { size: 500 }, false), mode: 'exact' })
    const plain = await schedulerFor(w)
    await settle(w, plain)
    const { deps, calls } = await countingScheduler(w, plain)
    await w.crm.recalculate('seg', { add: 250, remove: 100 })
    await tickAndPoll(deps)
    const steps: string[] = []
    await w.drain({
      onStep: async (_i, msg) => {
        if ('runId' in msg && msg.runId) steps.push((await w.run(msg.runId)).phase)
      },
    })
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['incremental', 'done'])
    expect(steps.filter((p) => p === 'incremental').length).toBe(1)
    // 350 history entries = 4 pages; each page's customers re-read once by id (≤ 100 per call).
    expect(calls.filter((c) => c.endsWith('/customers')).length).toBe(4)
    expect(JSON.parse(run.apiCalls).retailcrm ?? 0).toBe(0)
    expect(JSON.parse(run.counts)).toMatchObject({ added: 250, removed: 100, readFromCrm: 350 })
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })

  it('keeps the holder run when older runs are pruned', async () => {
    const { w, deps } = await synced()
    const holder = (await w.syncRow()).holderRunId!
    // 22 runs after the holder run, as before: KEEP_RUNS finished ones recorded directly, then two
    // real incremental runs, whose closing steps prune everything beyond the newest KEEP_RUNS.
    for (let i = 0; i < KEEP_RUNS; i++)
      await makeRun(w.tenant.id, w.sync.id, { status: 'done', kind: 'incremental' })
    for (let i = 0; i < 22 - KEEP_RUNS; i++) {
      await w.crm.recalculate('seg', { add: 1, remove: 0 })
      await tickAndPoll(deps)
      await w.drain()
    }
    const ids = (await w.db.select().from(runs).where(eq(runs.syncId, w.sync.id))).map((r) => r.id)
    expect(ids).toContain(holder)
    expect((await w.syncRow()).holderRunId).toBe(holder)
    await w.crm.recalculate('seg', { add: 0, remove: 2 })
    await tickAndPoll(deps)
    await w.drain()
    expect((await lastRun(w)).kind).toBe('incremental')
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })
})
