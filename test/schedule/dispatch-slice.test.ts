import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq, inArray } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { createDb, type Db } from '../../src/db/client'
import { runs, syncs, tenants } from '../../src/db/schema'
import worker from '../../src/index'
import { emptyCounts, meterD1, meterQueue } from '../../src/lib/metering'
import { DEFAULT_LIMITS } from '../../src/schedule/config'
import type { ScheduleDeps } from '../../src/schedule/deps'
import {
  type DispatchTenants,
  DispatchTenantsSchema,
  dispatchSliceStep,
  MESSAGE_SUBREQUESTS,
  packDispatch,
  RUNS_PER_TENANT_MAX,
  tenantCost,
} from '../../src/schedule/dispatch-slice'
import { runTick } from '../../src/schedule/tick'
import { startRun } from '../../src/sync/start'
import { makeAccount, makeSync, makeTenant, testDb } from '../support/fixtures'

const NOW = Date.UTC(2026, 10, 26, 12)

/** A live tenant past its first poll and reconcile, with `full` and `incremental` due marks. */
async function tenantWithDue(full: number, incremental = 0, o: { dueAt?: number } = {}) {
  const t = await makeTenant({ historySinceId: 10, lastReconcileAt: NOW })
  const a = await makeAccount(t.id)
  const ids: number[] = []
  const at = o.dueAt ?? NOW - 60_000
  for (let i = 0; i < full + incremental; i++)
    ids.push(
      (
        await makeSync(t.id, a.id, {
          nextRunAt: at + i,
          nextRunKind: i < full ? 'full' : 'incremental',
          historyAppliedId: 10,
          createdAt: NOW,
        })
      ).id
    )
  return { t, ids }
}

type Sent = { type?: string }

/** A queue that keeps every body sent. */
function captureQueue(sent: Sent[]): ScheduleDeps['queue'] {
  return {
    send: async (body: Sent) => {
      sent.push(body)
    },
    sendBatch: async (batch: Iterable<MessageSendRequest<Sent>>) => {
      for (const m of batch) sent.push(m.body)
    },
  } as unknown as ScheduleDeps['queue']
}

/** Scheduler deps on the test D1 at NOW, with the real startRun and a capturing queue. */
function depsOf(db: Db, sent: Sent[], over: Partial<ScheduleDeps> = {}): ScheduleDeps {
  return {
    db,
    queue: captureQueue(sent),
    now: () => NOW,
    crm: async () => {
      throw new Error('no CRM in dispatch tests')
    },
    startRun,
    markBroken: async () => {},
    limits: DEFAULT_LIMITS,
    ...over,
  }
}

/** A fresh database view with only the tenants this test makes live. */
async function freshDb() {
  const db = await testDb()
  await db.update(tenants).set({ active: false })
  return db
}

const dispatches = (sent: Sent[]) =>
  sent.filter((b): b is DispatchTenants => b.type === 'dispatch-tenants')

async function runsOf(db: Db, syncIds: number[]) {
  return db.select().from(runs).where(inArray(runs.syncId, syncIds))
}

describe('dispatch-tenants: the tick sends, a consumer starts', () => {
  it('the tick sends the due tenants in bounded messages and starts nothing itself', async () => {
    const db = await freshDb()
    const noStart = vi.fn(async () => {
      throw new Error('the tick must not start runs')
    })
    const one = await tenantWithDue(1)
    // The tick's own subrequests with one due run…
    const c1 = emptyCounts()
    const sent1: Sent[] = []
    const d1 = depsOf(createDb(meterD1(env.DB, c1)), [], {
      queue: meterQueue(captureQueue(sent1), c1),
      startRun: noStart,
    })
    const r1 = await runTick(d1)
    expect(r1.dispatchSent).toEqual([one.t.id])
    expect(r1.dispatchMessages).toBe(1)
    // …and with 26 more tenants holding 90 due runs in all (and two that are not sent).
    const many = [await tenantWithDue(3, 10)]
    for (let i = 0; i < 25; i++) many.push(await tenantWithDue(3, 0, { dueAt: NOW - 30_000 + i }))
    const held = await tenantWithDue(2)
    await db
      .update(tenants)
      .set({ historyPollUntil: NOW + 60_000 })
      .where(eq(tenants.id, held.t.id))
    const cursorless = await tenantWithDue(2)
    await db.update(tenants).set({ historySinceId: null }).where(eq(tenants.id, cursorless.t.id))
    const c2 = emptyCounts()
    const sent2: Sent[] = []
    const d2 = depsOf(createDb(meterD1(env.DB, c2)), [], {
      queue: meterQueue(captureQueue(sent2), c2),
      startRun: noStart,
    })
    const r2 = await runTick(d2)
    expect(noStart).not.toHaveBeenCalled()
    expect(await runsOf(db, [...one.ids, ...many.flatMap((m) => m.ids)])).toEqual([])
    // One more sendBatch at most whatever the runs due: here the same count as with one run.
    expect(c2.d1Statements + c2.queueSends).toBe(c1.d1Statements + c1.queueSends)
    // Oldest due first; neither the tenant held by a history poll nor the one without a cursor.
    expect(r2.dispatchSent).toEqual([one.t.id, many[0]!.t.id, ...many.slice(1).map((m) => m.t.id)])
    const msgs = dispatches(sent2)
    expect(msgs.length).toBe(r2.dispatchMessages)
    for (const m of msgs) {
      expect(DispatchTenantsSchema.safeParse(m).success).toBe(true)
      expect(m.tenants.reduce((a, t) => a + tenantCost(t), 0)).toBeLessThanOrEqual(100)
      expect(m.at).toBe(NOW)
    }
    // 13 runs for the one with 10 incremental + 3 full marks; 3 for the others.
    const runsBy = new Map(msgs.flatMap((m) => m.tenants).map((t) => [t.id, t.runs]))
    expect(runsBy.get(many[0]!.t.id)).toBe(13)
    expect(runsBy.get(many[1]!.t.id)).toBe(3)
  })

  it('a tick with no due marks sends no dispatch message', async () => {
    const db = await freshDb()
    await tenantWithDue(0)
    const sent: Sent[] = []
    const r = await runTick(depsOf(db, sent))
    expect(r.dispatchSent).toEqual([])
    expect(r.dispatchMessages).toBe(0)
    expect(dispatches(sent)).toEqual([])
  })

  it('a tick sends at most maxStartsPerTick runs, the oldest due first; the rest wait', async () => {
    const db = await freshDb()
    const a = await tenantWithDue(3, 0, { dueAt: NOW - 50_000 })
    const b = await tenantWithDue(3, 0, { dueAt: NOW - 40_000 })
    await tenantWithDue(3, 0, { dueAt: NOW - 30_000 })
    const sent: Sent[] = []
    const r = await runTick(
      depsOf(db, sent, { limits: { ...DEFAULT_LIMITS, maxStartsPerTick: 8 } })
    )
    expect(r.dispatchSent).toEqual([a.t.id, b.t.id])
  })

  it('packs tenants by their subrequest bound; one tenant fits a message alone', () => {
    expect(RUNS_PER_TENANT_MAX).toBe(13)
    expect(tenantCost({ runs: RUNS_PER_TENANT_MAX })).toBeLessThanOrEqual(MESSAGE_SUBREQUESTS)
    const ones = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, runs: 1 }))
    expect(packDispatch(ones).map((m) => m.length)).toEqual([9, 9, 7])
    const mixed = [
      { id: 1, runs: 13 },
      { id: 2, runs: 3 },
      { id: 3, runs: 3 },
      { id: 4, runs: 3 },
      { id: 5, runs: 3 },
      { id: 6, runs: 3 },
    ]
    expect(packDispatch(mixed).map((m) => m.map((t) => t.id))).toEqual([[1], [2, 3, 4, 5], [6]])
    expect(packDispatch([])).toEqual([])
  })

  it('the consumer starts the runs, within 100 subrequests per message (measured)', async () => {
    const db = await freshDb()
    const shops = [await tenantWithDue(3), await tenantWithDue(3), await tenantWithDue(3)]
    shops.push(await tenantWithDue(3))
    const sent: Sent[] = []
    await runTick(depsOf(db, sent))
    const msgs = dispatches(sent)
    expect(msgs.map((m) => m.tenants.length)).toEqual([4])
    const c = emptyCounts()
    const steps: Sent[] = []
    const d = depsOf(createDb(meterD1(env.DB, c)), [], {
      queue: meterQueue(captureQueue(steps), c),
    })
    const r = await dispatchSliceStep(d, msgs[0]!)
    expect(r.stale).toBe(false)
    expect(r.dispatched).toEqual(shops.map((s) => s.t.id))
    expect(r.started.map((s) => s.syncId).sort()).toEqual(shops.flatMap((s) => s.ids).sort())
    expect(steps.filter((s) => s.type === 'run-step').length).toBe(12)
    const used = c.d1Statements + c.queueSends + c.fetches
    expect(used).toBeLessThanOrEqual(msgs[0]!.tenants.reduce((a, t) => a + tenantCost(t), 0))
    expect(used).toBeLessThanOrEqual(100)
    const left = await db
      .select()
      .from(syncs)
      .where(
        inArray(
          syncs.id,
          shops.flatMap((s) => s.ids)
        )
      )
    expect(left.every((s) => s.nextRunAt === null)).toBe(true)
  })

  it('a tenant that throws does not stop the others in its message; its marks stay due', async () => {
    const db = await freshDb()
    const bad = await tenantWithDue(1)
    const good = [await tenantWithDue(1), await tenantWithDue(2)]
    // The first due-mark read of the message (the bad tenant's) fails.
    let reads = 0
    const flaky = new Proxy(db, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target)
        if (prop === 'all')
          return (...args: unknown[]) => {
            if (reads++ === 0) throw new Error('D1 hiccup')
            return (v as (...a: unknown[]) => unknown).apply(target, args)
          }
        return typeof v === 'function' ? v.bind(target) : v
      },
    }) as Db
    const body = {
      tenants: [bad, ...good].map((s) => ({ id: s.t.id, runs: s.ids.length })),
      at: NOW,
    }
    const r = await dispatchSliceStep(depsOf(flaky, []), body)
    expect(r.failed).toEqual([bad.t.id])
    expect(r.dispatched).toEqual(good.map((s) => s.t.id))
    expect(r.started.map((s) => s.syncId).sort()).toEqual(good.flatMap((s) => s.ids).sort())
    const [mark] = await db.select().from(syncs).where(eq(syncs.id, bad.ids[0]!))
    expect(mark?.nextRunAt).not.toBeNull()
    // The next tick sends it again, and then it starts.
    const sent: Sent[] = []
    expect((await runTick(depsOf(db, sent))).dispatchSent).toEqual([bad.t.id])
    const again = await dispatchSliceStep(depsOf(db, []), dispatches(sent)[0]!)
    expect(again.started.map((s) => s.syncId)).toEqual(bad.ids)
  })

  it('duplicate deliveries and two ticks at once start each run once', async () => {
    const db = await freshDb()
    const shops = [await tenantWithDue(3, 2), await tenantWithDue(1)]
    const sent: Sent[] = []
    // Two ticks at once: both may send the same tenants.
    await Promise.all([runTick(depsOf(db, sent)), runTick(depsOf(db, sent))])
    const msgs = dispatches(sent)
    expect(msgs.length).toBeGreaterThanOrEqual(2)
    // Every message delivered twice, concurrently, and once more after.
    const reports = await Promise.all(
      [...msgs, ...msgs].map((m) => dispatchSliceStep(depsOf(db, []), m))
    )
    for (const m of msgs) reports.push(await dispatchSliceStep(depsOf(db, []), m))
    const started = reports.flatMap((r) => r.started.map((s) => s.syncId))
    const ids = shops.flatMap((s) => s.ids)
    expect(started.sort()).toEqual([...ids].sort())
    const rows = await runsOf(db, ids)
    expect(rows.map((x) => x.syncId).sort()).toEqual([...ids].sort())
  })

  it('a stale message is dropped: nothing starts, the marks stay due', async () => {
    const db = await freshDb()
    const s = await tenantWithDue(1)
    const at = NOW - DEFAULT_LIMITS.pollSliceMaxAgeMs - 1
    const r = await dispatchSliceStep(depsOf(db, []), { tenants: [{ id: s.t.id, runs: 1 }], at })
    expect(r).toMatchObject({ stale: true, dispatched: [], started: [] })
    expect(await runsOf(db, s.ids)).toEqual([])
    const [mark] = await db.select().from(syncs).where(eq(syncs.id, s.ids[0]!))
    expect(mark?.nextRunAt).not.toBeNull()
  })

  it('the Worker parses, runs and acks a dispatch-tenants message', async () => {
    const db = await freshDb()
    const s = await tenantWithDue(1, 0, { dueAt: Date.now() - 60_000 })
    const send = vi.spyOn(env.SYNC_QUEUE, 'send').mockResolvedValue(undefined as never)
    const body = { type: 'dispatch-tenants', tenants: [{ id: s.t.id, runs: 1 }], at: Date.now() }
    const batch = createMessageBatch('sync-jobs', [
      { id: 'd1', timestamp: new Date(), attempts: 1, body },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch as never, env, ctx)
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['d1'])
    expect((await runsOf(db, s.ids)).map((r) => r.trigger)).toEqual(['change'])
    expect(send.mock.calls.map((c) => (c[0] as Sent).type)).toEqual(['run-step'])
  })
})
