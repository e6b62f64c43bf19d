/**
 * Incremental runs end to end: the scheduler polls the sandbox CRM, starts an incremental run, the
 * engine executes it against the sandbox Unisender, and the list matches what a full run makes.
 */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { syncs } from '../../src/db/schema'
import { startRun } from '../../src/sync/start'
import { settle } from '../support/incremental'
import { tickAndPoll } from '../support/schedule-queue'
import {
  allEmails,
  lastRun,
  makeWorld,
  schedulerFor,
  segmentEmails,
  smallShop,
} from '../support/world'

// Every test runs the scheduler and the engine through two to four complete runs against both
// emulators (a few hundred D1 round trips): inherently heavy, hence the suite's own timeout.
describe('incremental runs', { timeout: 15_000 }, () => {
  it('union: a recalculation adds just the joining members, reading only them', async () => {
    const w = await makeWorld({ shop: smallShop(400, { size: 150 }, false), mode: 'union' })
    const deps = await schedulerFor(w)
    await settle(w, deps) // first poll + reconcile (full)
    expect((await lastRun(w)).status).toBe('done')
    expect(await w.listEmails()).toEqual(await segmentEmails(w))

    await w.crm.recalculate('seg', { add: 7, remove: 0 })
    const tick = await tickAndPoll(deps)
    expect(tick.dispatch.started.map((s) => s.kind)).toEqual(['incremental'])
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(run.counts)).toMatchObject({ added: 7, readFromCrm: 7 })
    // The run reads nothing from the CRM: the poller re-read the 7 customers (one call by id)
    // for every sync of the shop, instead of paging the segment.
    const calls = JSON.parse(run.apiCalls)
    expect(calls.retailcrm ?? 0).toBe(0)
    expect(calls.detail['unisender:exportContacts']).toBeUndefined()
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
    expect((await w.syncRow()).historyAppliedId).toBe(7)
  })

  it('subtraction: joining members are excluded one by one, without reading the list', async () => {
    const w = await makeWorld({
      shop: smallShop(300, { size: 100 }, false),
      mode: 'subtract',
      sync: { guardMinCount: 1000 }, // the first run removes a third of the list: not held
    })
    const everyone = await allEmails(w)
    await w.uni.seedContacts(
      w.account,
      everyone.map((email) => ({ email, lists: [w.listId] }))
    )
    const deps = await schedulerFor(w)
    // First poll + reconcile: removes the 100 members (the 300-contact list in one slice).
    await settle(w, deps, [w.sync.id], { extra: { sliceBytes: 64_000 } })
    const members = new Set(await segmentEmails(w))
    expect(await w.listEmails()).toEqual(everyone.filter((e) => !members.has(e)))

    await w.crm.recalculate('seg', { add: 5, remove: 0 })
    const tick = await tickAndPoll(deps)
    expect(tick.dispatch.started.map((s) => s.kind)).toEqual(['incremental'])
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(run.counts)).toMatchObject({ removed: 5 })
    expect(JSON.parse(run.apiCalls).detail['unisender:exportContacts']).toBeUndefined()
    const now = new Set(await segmentEmails(w))
    expect(now.size).toBe(105)
    expect(await w.listEmails()).toEqual(everyone.filter((e) => !now.has(e)))
  })

  it('exact: joins and leaves are incremental, the list stays exact', async () => {
    const w = await makeWorld({ shop: smallShop(400, { size: 150 }, false), mode: 'exact' })
    const deps = await schedulerFor(w)
    await settle(w, deps)
    await w.crm.recalculate('seg', { add: 4, remove: 0 })
    await tickAndPoll(deps)
    await w.drain()
    expect((await lastRun(w)).kind).toBe('incremental')
    expect(await w.listEmails()).toEqual(await segmentEmails(w))

    await w.crm.recalculate('seg', { add: 2, remove: 3 })
    const tick = await tickAndPoll(deps)
    expect(tick.dispatch.started.map((s) => [s.trigger, s.kind])).toEqual([
      ['change', 'incremental'],
    ])
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(run.counts)).toMatchObject({ added: 2, removed: 3 })
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })

  it('exact: changes of customers outside the segment do not spoil an incremental run', async () => {
    const w = await makeWorld({ shop: smallShop(400, { size: 150 }, false), mode: 'exact' })
    const deps = await schedulerFor(w)
    await settle(w, deps)
    await w.crm.changeEmail(390, 'outsider@example.com') // not a member of seg
    await w.crm.recalculate('seg', { add: 3, remove: 0 })
    const tick = await tickAndPoll(deps)
    expect(tick.dispatch.started.map((s) => s.kind)).toEqual(['incremental'])
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(run.counts)).toMatchObject({ added: 3, removed: 0 })
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })

  it('without a watermark an incremental run becomes a full one, and the list is right', async () => {
    const w = await makeWorld({ shop: smallShop(400, { size: 150 }, false), mode: 'exact' })
    const deps = await schedulerFor(w)
    await settle(w, deps)
    await w.crm.deleteCustomer(10)
    await w.crm.recalculate('seg', { add: 2, remove: 0 })
    await tickAndPoll(deps) // records the changes; the exact sync gets a full mark (a deletion)
    await w.drain()
    // An incremental run asked for by hand on a sync with no watermark.
    await deps.db.update(syncs).set({ historyAppliedId: null }).where(eq(syncs.id, w.sync.id))
    await w.crm.recalculate('seg', { add: 1, remove: 1 })
    await startRun(
      { db: w.db, queue: w.queue, now: w.crm.clock.now },
      { tenantId: w.tenant.id, syncId: w.sync.id, trigger: 'change', kind: 'incremental' }
    )
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['full', 'done'])
    expect(await w.listEmails()).toEqual(await segmentEmails(w))
  })
})
