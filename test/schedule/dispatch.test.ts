import { eq, inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { syncs, tenants } from '../../src/db/schema'
import { DEFAULT_LIMITS } from '../../src/schedule/config'
import type { ScheduleDeps } from '../../src/schedule/deps'
import { dispatchDue } from '../../src/schedule/dispatch'
import type { StartRunRequest } from '../../src/sync/start'
import { makeAccount, makeSync, makeTenant, testDb } from '../support/fixtures'

const NOW = Date.UTC(2026, 10, 26, 12)

async function tenantWithDue(count: number, dueAt: number) {
  const t = await makeTenant({ historySinceId: 10, lastReconcileAt: NOW })
  const a = await makeAccount(t.id)
  const ids: number[] = []
  for (let i = 0; i < count; i++)
    ids.push(
      (
        await makeSync(t.id, a.id, {
          nextRunAt: dueAt + i,
          nextRunKind: 'full',
          createdAt: NOW,
          // Each on a segment of its own: runs on one segment share a read and count as one start.
          segmentCode: `seg-${i}`,
        })
      ).id
    )
  return { t, ids }
}

function fakeDeps(db: ScheduleDeps['db'], started: StartRunRequest[]): ScheduleDeps {
  let runId = 0
  return {
    db,
    queue: {} as Queue<never>,
    now: () => NOW,
    crm: async () => {
      throw new Error('no CRM in dispatch tests')
    },
    startRun: async (_d, req) => {
      started.push(req)
      return { started: true, runId: ++runId }
    },
    markBroken: async () => {},
    limits: { ...DEFAULT_LIMITS, maxStartsPerTenant: 3 },
  }
}

describe('dispatchDue', () => {
  it("one shop's pile of due syncs does not crowd out another shop's", async () => {
    const db = await testDb()
    await db.update(tenants).set({ active: false })
    const big = await tenantWithDue(10, NOW - 60_000)
    const small = await tenantWithDue(1, NOW - 1_000)
    const started: StartRunRequest[] = []
    const deps = fakeDeps(db, started)
    await dispatchDue(deps)
    expect(started.filter((s) => s.tenantId === big.t.id).length).toBe(3)
    expect(started.filter((s) => s.tenantId === small.t.id).map((s) => s.syncId)).toEqual(small.ids)
    // The rest stay due for the next ticks, oldest first.
    const left = await db.select().from(syncs).where(inArray(syncs.id, big.ids))
    expect(left.filter((s) => s.nextRunAt !== null).length).toBe(7)
    started.length = 0
    await dispatchDue(deps)
    expect(started.map((s) => s.syncId)).toEqual(big.ids.slice(3, 6))
    // Each started sync records the history position its run covers.
    const [first] = await db.select().from(syncs).where(eq(syncs.id, big.ids[0]!))
    expect(first?.historyAppliedId).toBe(10)
  })

  it('a mark is not claimed twice by concurrent dispatchers', async () => {
    const db = await testDb()
    await db.update(tenants).set({ active: false })
    const { ids } = await tenantWithDue(2, NOW - 5)
    const started: StartRunRequest[] = []
    const deps = fakeDeps(db, started)
    await Promise.all([dispatchDue(deps), dispatchDue(deps), dispatchDue(deps)])
    expect(started.map((s) => s.syncId).sort()).toEqual([...ids].sort())
  })

  it('puts the mark back when starting fails, so the change is not dropped', async () => {
    const db = await testDb()
    await db.update(tenants).set({ active: false })
    const { ids } = await tenantWithDue(1, NOW - 5)
    const deps = fakeDeps(db, [])
    deps.startRun = async () => {
      throw new Error('queue unavailable')
    }
    const r = await dispatchDue(deps)
    expect(r.started).toEqual([])
    const [row] = await db.select().from(syncs).where(eq(syncs.id, ids[0]!))
    expect([row?.nextRunAt, row?.nextRunKind]).toEqual([NOW, 'full'])
  })
})
