/**
 * Full runs of a shop due together share one CRM read (docs/shared-read.md), end to end on the
 * sandbox emulators: dispatchDue groups the due runs, the leader reads (the whole base, or the one
 * source they share) and stages every member's customers, the members wait and then diff and
 * write as usual. Checked: the /customers calls of the group, every list exactly the segment, and
 * the failure paths — a leader failing mid-read, a member cancelled or paused mid-read, duplicate
 * deliveries, an incomplete read — never remove anything a run's own read would not.
 */
import { env } from 'cloudflare:workers'
import { eq, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runs, syncs } from '../../src/db/schema'
import type { SegmentDefinition } from '../../src/sandbox/retailcrm/shops'
import { DEFAULT_LIMITS } from '../../src/schedule/config'
import { cancelRun } from '../../src/sync/control'
import { processRunStep } from '../../src/sync/process'
import type { RunStep } from '../../src/sync/run-step-message'
import { startRun } from '../../src/sync/start'
import { parseCursor } from '../../src/sync/state'
import {
  customersCalls,
  dispatch,
  expectExact,
  expected,
  groupRuns,
  groupWorld,
} from '../support/shared-read'

const C = 2000
/** Overlapping large segments: 5 + 5 + 4 + 3 = 17 pages at 250 against 8 + 1 for the base. */
const LARGE: SegmentDefinition[] = [
  { code: 'a', name: 'A', dynamic: true, offset: 1, stride: 1, size: 1200 },
  { code: 'b', name: 'B', dynamic: true, offset: 501, stride: 1, size: 1200 },
  { code: 'c', name: 'C', dynamic: true, offset: 1, stride: 2, size: 900 },
  { code: 'd', name: 'D', dynamic: true, offset: 2, stride: 3, size: 600 },
]
/** Small segments: 2 pages each, 8 in all, against 8 + 1 for the base. */
const SMALL: SegmentDefinition[] = ['p', 'q', 'r', 's'].map((code, i) => ({
  code,
  name: code,
  dynamic: true,
  offset: 1 + i * 400,
  stride: 1,
  size: 300,
}))

describe('shared read of full runs due together', { timeout: 120_000 }, () => {
  it('a reconnect of 4 syncs on overlapping large segments reads the base once', async () => {
    const g = await groupWorld(LARGE, ['a', 'b', 'c', 'd'])
    await dispatch(g)
    await g.w.drain()
    const rs = await groupRuns(g)
    for (const r of rs) {
      expect(r.status).toBe('done')
      expect(r.additionsOnly).toBe(false)
      expect(r.errorMessage).toBeNull()
    }
    // The leader learned C with one call and read the base (8 pages of 250); members read nothing,
    // and the dispatch called nobody.
    expect(rs[0]!.cursorParsed.lead?.base).toBe(true)
    expect(rs[0]!.calls.detail['retailcrm:customers']).toBe(Math.ceil(C / 250) + 1)
    expect(rs.slice(1).every((r) => r.calls.detail['retailcrm:customers'] === undefined)).toBe(true)
    expect(g.dispatchCalls).toEqual([])
    expect(await customersCalls(g)).toBe(Math.ceil(C / 250) + 1)
    // Each run read exactly its segment's customers and removed its stranger.
    expect(rs.map((r) => JSON.parse(r.counts).readFromCrm)).toEqual(LARGE.map((s) => s.size))
    expect(rs.map((r) => JSON.parse(r.counts).removed)).toEqual([1, 1, 1, 1])
    await expectExact(g)
    // Each run's staging is its own and is gone with it (only samples and the holder index stay).
    const left = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM run_chunks WHERE run_id IN (${rs.map((r) => r.id).join(',')})
         AND side IN ('S', 'O', 'K', 'L', 'U', 'N')`
    ).first<{ n: number }>()
    expect(left?.n).toBe(0)
  })

  it('on tricky addresses, a shared read stages what each run’s own read would', async () => {
    const g = await groupWorld(LARGE, ['a', 'b', 'c', 'd'], { quirks: true })
    await dispatch(g)
    await g.w.drain()
    const shared = await groupRuns(g)
    expect(shared[0]!.cursorParsed.lead?.base).toBe(true)
    expect(shared.every((r) => r.status === 'done' && !r.additionsOnly)).toBe(true)
    // Each sync again, on its own read: the same counts of what was read, and nothing to change.
    for (const [i, s] of g.syncs.entries()) {
      const res = await startRun(
        { db: g.w.db, queue: g.w.queue, now: g.w.crm.clock.now },
        { tenantId: g.w.tenant.id, syncId: s.id, trigger: 'manual' }
      )
      if (!res.started) throw new Error('not started')
      await g.w.drain()
      const own = await g.w.run(res.runId)
      expect(own.status).toBe('done')
      expect(parseCursor(own.cursor).readId).toBeNull()
      const a = JSON.parse(shared[i]!.counts)
      const b = own.countsParsed
      expect([b.readFromCrm, b.invalid, b.skippedOptedOut]).toEqual([
        a.readFromCrm,
        a.invalid,
        a.skippedOptedOut,
      ])
      expect([b.added, b.removed, b.fieldsUpdated]).toEqual([0, 0, 0])
    }
  })

  it('a deleted segment in a base read fails its run as segment_missing, list untouched', async () => {
    const g = await groupWorld(LARGE, ['a', 'b', 'gone'])
    // The watch saw it before it was deleted.
    await g.w.db
      .update(syncs)
      .set({ lastSeenCustomersCount: 900 })
      .where(eq(syncs.id, g.syncs[2]!.id))
    await dispatch(g)
    await g.w.drain()
    const rs = await groupRuns(g)
    expect(rs[0]!.cursorParsed.lead?.base).toBe(true)
    expect(rs.map((r) => r.status)).toEqual(['done', 'done', 'failed'])
    expect(rs[2]!.errorCode).toBe('segment_missing')
    expect(await g.w.listEmails(g.syncs[2]!.listId!)).toEqual([
      `stranger-${g.syncs[2]!.id}@example.org`,
    ])
    for (const i of [0, 1])
      expect(await g.w.listEmails(g.syncs[i]!.listId!)).toEqual(
        await expected(g.w, g.syncs[i]!.segmentCode)
      )
  })

  it('reads each source on its own when that costs fewer pages (no base read)', async () => {
    const g = await groupWorld(SMALL, ['p', 'q', 'r', 's'])
    await dispatch(g)
    await g.w.drain()
    const rs = await groupRuns(g)
    expect(rs.every((r) => r.status === 'done')).toBe(true)
    // 2 + 2 + 2 + 2 = 8 pages against 8 + 1: the leader learned C (one call), chose no base read
    // and served nobody; every run read its own segment.
    expect(rs[0]!.cursorParsed.lead).toMatchObject({ base: false, members: [] })
    expect(rs.slice(1).every((r) => r.cursorParsed.readId === null)).toBe(true)
    expect(rs.map((r) => r.calls.detail['retailcrm:customers'])).toEqual([3, 2, 2, 2])
    expect(await customersCalls(g)).toBe(8 + 1)
    await expectExact(g)
  })

  it('several syncs on one segment read it once', async () => {
    const g = await groupWorld(LARGE, ['a', 'a', 'a'])
    await dispatch(g)
    await g.w.drain()
    const rs = await groupRuns(g)
    expect(rs.every((r) => r.status === 'done' && !r.additionsOnly)).toBe(true)
    expect(rs[0]!.cursorParsed.lead?.base).toBe(false)
    expect(rs[0]!.cursorParsed.lead?.members?.map((m) => m.id)).toEqual([rs[1]!.id, rs[2]!.id])
    // One read of 1,200 customers at 250: 5 pages for all three; no count was needed.
    expect(g.dispatchCalls).toEqual([])
    expect(await customersCalls(g)).toBe(5)
    await expectExact(g)
  })

  it('with the default cap of 3 sources a shop, 5 syncs on one segment start together and read it once', async () => {
    const g = await groupWorld(LARGE, ['a', 'a', 'a', 'a', 'a'])
    g.deps.limits = { ...g.deps.limits, maxStartsPerTenant: DEFAULT_LIMITS.maxStartsPerTenant }
    expect(DEFAULT_LIMITS.maxStartsPerTenant).toBeLessThan(5)
    await dispatch(g)
    await g.w.drain()
    const rs = await groupRuns(g)
    expect(rs.every((r) => r.status === 'done' && !r.additionsOnly)).toBe(true)
    expect(rs[0]!.cursorParsed.lead?.members?.length).toBe(4)
    expect(await customersCalls(g)).toBe(5)
    await expectExact(g)
  })

  it('a leader that fails mid-read: its members read on their own and remove nothing wrongly', async () => {
    const g = await groupWorld(LARGE, ['a', 'b', 'c', 'd'])
    // Segment members already in each list: a member that took a partial read would remove them.
    for (const s of g.syncs) {
      const want = await expected(g.w, s.segmentCode)
      await g.w.uni.seedContacts(
        g.w.account,
        want.slice(-50).map((email) => ({ email, lists: [s.listId!] }))
      )
    }
    await dispatch(g)
    const leaderId = (await groupRuns(g))[0]!.id
    let failed = false
    await g.w.drain({
      extra: { pagesPerStep: 1 },
      onStep: async () => {
        const [l] = await g.w.db.select().from(runs).where(eq(runs.id, leaderId))
        if (!failed && l?.phase === 'read_crm' && parseCursor(l.cursor).page > 3) {
          failed = true
          // As the dead-letter handler or the watchdog's give-up leaves it.
          await g.w.db
            .update(runs)
            .set({ status: 'failed', errorCode: 'gave_up', stepSeq: sql`${runs.stepSeq} + 1` })
            .where(eq(runs.id, leaderId))
        }
      },
    })
    expect(failed).toBe(true)
    const rs = await groupRuns(g)
    expect(rs[0]!.status).toBe('failed')
    for (const r of rs.slice(1)) {
      expect(r.status).toBe('done')
      expect(r.cursorParsed.readId).toBeNull()
      expect(JSON.parse(r.counts).removed).toBe(1) // only the stranger
    }
    // Each member read its own segment, once, from the first page.
    expect(rs.slice(1).map((r) => r.calls.detail['retailcrm:customers'])).toEqual([5, 4, 3])
    expect(rs.slice(1).map((r) => JSON.parse(r.counts).readFromCrm)).toEqual([1200, 900, 600])
    for (const s of g.syncs.slice(1))
      expect(await g.w.listEmails(s.listId!)).toEqual(await expected(g.w, s.segmentCode))
  })

  it('a member not ready when the leader begins is left out and reads on its own', async () => {
    const g = await groupWorld(LARGE, ['a', 'b', 'c', 'd'])
    await dispatch(g)
    const ids = (await groupRuns(g)).map((r) => r.id)
    // The last member's first message is late (a slow queue, a step backing off).
    const late = g.w.sent.findIndex((m) => m.msg.runId === ids[3])
    const [held] = g.w.sent.splice(late, 1)
    let released = false
    await g.w.drain({
      onStep: async () => {
        g.w.crm.clock.advance(5_000)
        const [l] = await g.w.db.select().from(runs).where(eq(runs.id, ids[0]!))
        if (!released && parseCursor(l!.cursor).lead?.members) {
          released = true
          g.w.sent.push(held!)
        }
      },
    })
    expect(released).toBe(true)
    const rs = await groupRuns(g)
    expect(rs.every((r) => r.status === 'done' && !r.additionsOnly)).toBe(true)
    expect(rs[0]!.cursorParsed.lead?.members?.map((m) => m.id)).toEqual([ids[1], ids[2]])
    // It read its own segment (3 pages of 250); the others took the leader's read.
    expect(rs[3]!.cursorParsed.readId).toBeNull()
    expect(rs[3]!.calls.detail['retailcrm:customers']).toBe(3)
    await expectExact(g)
  })

  it('a member cancelled or paused mid-read gets nothing; the leader goes on', async () => {
    const g = await groupWorld(LARGE, ['a', 'b', 'c', 'd'])
    await dispatch(g)
    const ids = (await groupRuns(g)).map((r) => r.id)
    const before = await Promise.all(g.syncs.map((s) => g.w.listEmails(s.listId!)))
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
    expect(rs.map((r) => r.status)).toEqual(['done', 'cancelled', 'cancelled', 'done'])
    expect(rs[2]!.errorCode).toBe('sync_paused')
    // Nothing staged into the cancelled member after its cancel, nothing written to either list.
    const staged = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM run_chunks WHERE run_id IN (?, ?) AND side IN ('S', 'O', 'K')`
    )
      .bind(ids[1], ids[2])
      .first<{ n: number }>()
    expect(staged?.n).toBe(0)
    expect(await g.w.listEmails(g.syncs[1]!.listId!)).toEqual(before[1])
    expect(await g.w.listEmails(g.syncs[2]!.listId!)).toEqual(before[2])
    for (const i of [0, 3])
      expect(await g.w.listEmails(g.syncs[i]!.listId!)).toEqual(
        await expected(g.w, g.syncs[i]!.segmentCode)
      )
    expect(await customersCalls(g)).toBe(Math.ceil(C / 250) + 1)
  })

  it('duplicate deliveries of leader and member steps change nothing', async () => {
    const g = await groupWorld(LARGE, ['a', 'b', 'c', 'd'])
    await dispatch(g)
    // Every message is delivered twice at once, and once more after the next one.
    let prev: RunStep | null = null
    let steps = 0
    const deliver = (msg: RunStep) =>
      processRunStep(env, msg, { attempts: 1 }, g.w.overrides({ pagesPerStep: 2 }))
    while (g.w.sent.length > 0 && steps++ < 3000) {
      const { msg } = g.w.sent.shift()!
      await Promise.all([deliver(msg), deliver(msg)])
      if (prev) await deliver(prev)
      prev = msg
    }
    const rs = await groupRuns(g)
    expect(rs.every((r) => r.status === 'done' && !r.additionsOnly)).toBe(true)
    expect(rs.map((r) => JSON.parse(r.counts).readFromCrm)).toEqual(LARGE.map((s) => s.size))
    expect(rs.map((r) => JSON.parse(r.counts).removed)).toEqual([1, 1, 1, 1])
    await expectExact(g)
  })

  it('an incomplete shared read makes every run of the group only add', async () => {
    for (const codes of [
      ['a', 'b', 'c', 'd'],
      ['a', 'a', 'a'],
    ]) {
      const g = await groupWorld(LARGE, codes)
      await dispatch(g)
      const leaderId = (await groupRuns(g))[0]!.id
      let changed = false
      await g.w.drain({
        extra: { pagesPerStep: 1 },
        onStep: async () => {
          const [l] = await g.w.db.select().from(runs).where(eq(runs.id, leaderId))
          if (!changed && l?.phase === 'read_crm' && parseCursor(l.cursor).page > 2) {
            changed = true
            // The total moves while paging: the base grows, the segment is recalculated.
            if (codes[1] === 'b') await g.w.crm.createCustomer('late@example.com')
            else await g.w.crm.recalculate('a', { add: 3, remove: 0 })
          }
        },
      })
      expect(changed).toBe(true)
      const rs = await groupRuns(g)
      for (const [i, r] of rs.entries()) {
        expect(r.status).toBe('done')
        expect(r.additionsOnly).toBe(true)
        expect(JSON.parse(r.counts).removed).toBe(0)
        expect(await g.w.listEmails(g.syncs[i]!.listId!)).toContain(
          `stranger-${g.syncs[i]!.id}@example.org`
        )
      }
    }
  })
})
