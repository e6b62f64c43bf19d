/**
 * Review of the shared read (docs/shared-read.md): cases an adversarial reader looks for, end to
 * end on the emulators.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runs, syncs } from '../../src/db/schema'
import type { SegmentDefinition } from '../../src/sandbox/retailcrm/shops'
import type { EngineDeps } from '../../src/sync/context'
import { cancelRun } from '../../src/sync/control'
import { DEFAULT_SIZES, processRunStep } from '../../src/sync/process'
import { startRun } from '../../src/sync/start'
import { parseCursor } from '../../src/sync/state'
import { countingD1 } from '../support/counting-d1'
import { dispatch, expected, groupRuns, groupWorld } from '../support/shared-read'

/** Two segments of the same size (so a switch from one to the other keeps the total). */
const TWINS: SegmentDefinition[] = [
  { code: 'a', name: 'A', dynamic: true, offset: 1, stride: 1, size: 1200 },
  { code: 'b', name: 'B', dynamic: true, offset: 501, stride: 1, size: 1200 },
]

describe('shared read review', { timeout: 120_000 }, () => {
  it('the leader’s sync edited to another segment mid-read does not change what its members get', async () => {
    const g = await groupWorld(TWINS, ['a', 'a', 'a'])
    // Members' lists already hold all of segment a: a wrong picture would remove some of them.
    const want = await expected(g.w, 'a')
    for (const s of g.syncs.slice(1))
      await g.w.uni.seedContacts(
        g.w.account,
        want.map((email) => ({ email, lists: [s.listId!] }))
      )
    await dispatch(g)
    const leaderId = (await groupRuns(g))[0]!.id
    let edited = false
    await g.w.drain({
      extra: { pagesPerStep: 1 },
      onStep: async () => {
        const [l] = await g.w.db.select().from(runs).where(eq(runs.id, leaderId))
        if (!edited && l?.phase === 'read_crm' && parseCursor(l.cursor).page > 2) {
          edited = true
          // The user saves the leader's sync on segment b while its run reads (the route lets the
          // active run go on).
          await g.w.db.update(syncs).set({ segmentCode: 'b' }).where(eq(syncs.id, g.syncs[0]!.id))
        }
      },
    })
    expect(edited).toBe(true)
    const rs = await groupRuns(g)
    for (const [i, s] of g.syncs.entries()) {
      if (i === 0) continue
      expect(rs[i]!.status).toBe('done')
      // The member's sync is still on segment a: its list is exactly a (the stranger removed).
      expect(await g.w.listEmails(s.listId!)).toEqual(want)
    }
  })
  it('an undecided group of 8 segment syncs (the leader learns C) stays within 100 subrequests a step', async () => {
    const N = 26_000
    const SEGS: SegmentDefinition[] = Array.from({ length: 8 }, (_, i) => ({
      code: `s${i}`,
      name: `S${i}`,
      dynamic: true,
      offset: 1 + i,
      stride: 2,
      size: 10_000,
    }))
    const g = await groupWorld(
      SEGS,
      SEGS.map((s) => s.code),
      { customers: N, quirks: true }
    )
    await dispatch(g)
    const leaderId = (await groupRuns(g))[0]!.id
    const d1Count = { n: 0 }
    let fetches = 0
    const extra: Partial<EngineDeps> = {
      ...DEFAULT_SIZES,
      crmIntervalMs: 100,
      d1: countingD1(d1Count),
      fetch: (input, init) => {
        fetches++
        return fetch(input, init)
      },
    }
    const subs: number[] = []
    for (let i = 0; i < 500 && g.w.sent.length > 0; i++) {
      const { msg } = g.w.sent.shift()!
      d1Count.n = 0
      fetches = 0
      await processRunStep(env, msg, { attempts: 1 }, g.w.overrides(extra))
      if (msg.runId === leaderId) subs.push(d1Count.n + fetches + 1)
      const [l] = await g.w.db.select().from(runs).where(eq(runs.id, leaderId))
      if (parseCursor(l!.cursor).lead?.done) break
    }
    const [l] = await g.w.db.select().from(runs).where(eq(runs.id, leaderId))
    const lead = parseCursor(l!.cursor).lead!
    expect(lead.done).toBe(true)
    expect(lead.base).toBe(true)
    expect(lead.members).toHaveLength(7)
    // Room for the 8 in-place rate-limit retries a step may add.
    expect(Math.max(...subs)).toBeLessThanOrEqual(100 - 8)
  }, 240_000)
  it('members of a base read get their own contact field values, as their own read would', async () => {
    const LARGE: SegmentDefinition[] = [
      { code: 'a', name: 'A', dynamic: true, offset: 1, stride: 1, size: 1200 },
      { code: 'b', name: 'B', dynamic: true, offset: 501, stride: 1, size: 1200 },
      { code: 'c', name: 'C', dynamic: true, offset: 1, stride: 2, size: 900 },
    ]
    const g = await groupWorld(LARGE, ['a', 'b', 'c'], { quirks: true })
    // Contact fields are the account's: each sync writes its own (overlapping segments share
    // contacts, and duplicate addresses would make two syncs write one field differently).
    const maps = [
      [{ source: 'firstName', target: 'Name', type: 'string' }],
      [{ source: 'city', target: 'city', type: 'string' }],
      [
        { source: 'firstName', target: 'fname', type: 'string' },
        { source: 'city', target: 'town', type: 'string' },
      ],
    ]
    for (const [i, s] of g.syncs.entries())
      await g.w.db
        .update(syncs)
        .set({ fieldMap: JSON.stringify(maps[i]) })
        .where(eq(syncs.id, s.id))
    await dispatch(g)
    await g.w.drain()
    const shared = await groupRuns(g)
    expect(shared[0]!.cursorParsed.lead?.base).toBe(true)
    expect(shared.every((r) => r.status === 'done' && !r.additionsOnly)).toBe(true)
    expect(shared.every((r) => r.cursorParsed.fields.length > 0)).toBe(true)
    // Each sync again on its own read: nothing to add, remove or update.
    for (const s of g.syncs) {
      const res = await startRun(
        { db: g.w.db, queue: g.w.queue, now: g.w.crm.clock.now },
        { tenantId: g.w.tenant.id, syncId: s.id, trigger: 'manual' }
      )
      if (!res.started) throw new Error('not started')
      await g.w.drain()
      const own = await g.w.run(res.runId)
      expect(own.status).toBe('done')
      const c = own.countsParsed
      expect([c.added, c.removed, c.fieldsUpdated, c.plannedUpdate]).toEqual([0, 0, 0, 0])
    }
  })
  it('a member paused or cancelled mid-read keeps none of the leader’s rejects (its counts say it read nothing)', async () => {
    const g = await groupWorld(TWINS, ['a', 'a', 'a'], { quirks: true })
    await dispatch(g)
    const ids = (await groupRuns(g)).map((r) => r.id)
    let acted = false
    await g.w.drain({
      extra: { pagesPerStep: 1 },
      onStep: async () => {
        const [l] = await g.w.db.select().from(runs).where(eq(runs.id, ids[0]!))
        if (!acted && l?.phase === 'read_crm' && parseCursor(l.cursor).page > 3) {
          acted = true
          await cancelRun(
            { db: g.w.db, queue: g.w.queue, now: g.w.crm.clock.now },
            { tenantId: g.w.tenant.id, runId: ids[1]! }
          )
          await g.w.db
            .update(syncs)
            .set({ state: 'paused', pausedReason: 'user' })
            .where(eq(syncs.id, g.syncs[2]!.id))
        }
      },
    })
    expect(acted).toBe(true)
    const rs = await groupRuns(g)
    expect(rs.map((r) => r.status)).toEqual(['done', 'cancelled', 'cancelled'])
    for (const i of [1, 2]) {
      expect(JSON.parse(rs[i]!.counts).readFromCrm ?? 0).toBe(0)
      expect((await g.w.rejects(ids[i]!)).length).toBe(0)
    }
  })
  // FAILS on 625d4ca (review, left uncommitted): 24 of segment a's members come without `segments`
  // and are removed from its list. inSource() reads a missing array as "in no segment"; the
  // closing look-up only catches a segment no customer carried at all. Whether RetailCRM's
  // unfiltered list ever omits the array (or omits it only when empty) is UNCONFIRMED, so the fix
  // (treat a missing array as unknown: that run only adds) is a product decision, not made here.
  it('a base read whose customers come partly without `segments` never removes them from a member', async () => {
    const g = await groupWorld(TWINS, [null, 'a', 'b'])
    const want = await expected(g.w, 'a')
    await g.w.uni.seedContacts(
      g.w.account,
      want.map((email) => ({ email, lists: [g.syncs[1]!.listId!] }))
    )
    await dispatch(g)
    // The CRM leaves `segments` out of some customers of the unfiltered list (UNCONFIRMED how the
    // real list serves them, docs/retailcrm.md).
    const strip: EngineDeps['fetch'] = async (input, init) => {
      const res = await fetch(input, init)
      const url = new URL(typeof input === 'string' ? input : (input as Request).url)
      if (!url.pathname.endsWith('/customers') || url.searchParams.has('filter[segment]'))
        return res
      const body = (await res.json()) as { customers?: { id: number; segments?: unknown }[] }
      for (const c of body.customers ?? []) if (c.id % 50 === 0) delete c.segments
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers })
    }
    await g.w.drain({ extra: { fetch: strip } })
    const rs = await groupRuns(g)
    expect(rs[0]!.cursorParsed.lead?.base).toBe(true)
    expect(rs[1]!.status).toBe('done')
    const list = await g.w.listEmails(g.syncs[1]!.listId!)
    expect(want.filter((e) => !list.includes(e))).toEqual([])
  })
  it('a base read whose customers all come without `segments` makes every segment run only add', async () => {
    const g = await groupWorld(TWINS, [null, 'a', 'b'])
    const want = await expected(g.w, 'a')
    await g.w.uni.seedContacts(
      g.w.account,
      want.map((email) => ({ email, lists: [g.syncs[1]!.listId!] }))
    )
    await dispatch(g)
    const strip: EngineDeps['fetch'] = async (input, init) => {
      const res = await fetch(input, init)
      const url = new URL(typeof input === 'string' ? input : (input as Request).url)
      if (!url.pathname.endsWith('/customers') || url.searchParams.has('filter[segment]'))
        return res
      const body = (await res.json()) as { customers?: { id: number; segments?: unknown }[] }
      for (const c of body.customers ?? []) delete c.segments
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers })
    }
    await g.w.drain({ extra: { fetch: strip } })
    const rs = await groupRuns(g)
    expect(rs[0]!.cursorParsed.lead?.base).toBe(true)
    expect(rs.map((r) => r.status)).toEqual(['done', 'done', 'done'])
    expect(rs.map((r) => r.additionsOnly)).toEqual([false, true, true])
    expect(rs.map((r) => JSON.parse(r.counts).removed)).toEqual([1, 0, 0])
    const list = await g.w.listEmails(g.syncs[1]!.listId!)
    expect(want.filter((e) => !list.includes(e))).toEqual([])
  })
})
