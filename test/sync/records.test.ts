/** What a run records: counts, timings, API calls, progress, bounded rejects, pruning, watermark. */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runChunks, runs, syncs } from '../../src/db/schema'
import { parseApiCalls } from '../../src/sync/api-calls'
import { KEEP_RUNS, REJECT_CAP } from '../../src/sync/state'
import { makeRun } from '../support/fixtures'
import { makeWorld, smallShop } from './world'

describe('run records', () => {
  it('records timings, API calls per service, progress, and drops staging but keeps the sample', async () => {
    const w = await makeWorld({ shop: smallShop(250, { size: 230 }, false) })
    const s = await w.start()
    if (!s.started) throw new Error()
    await w.drain()
    const run = await w.run(s.runId)
    expect(run.startedAt).toBeTypeOf('number')
    expect(run.finishedAt).toBeGreaterThanOrEqual(run.startedAt!)
    expect(run.steppedAt).toBe(run.finishedAt) // every commit stamps it (the watchdog reads it)
    const calls = parseApiCalls(run.apiCalls)
    expect(calls.retailcrm).toBe(3)
    expect(calls.detail['unisender:importContacts']).toBe(1)
    expect(calls.unisender).toBe(
      calls.detail['unisender:async/exportContacts']! +
        calls.detail['unisender:async/getTaskResult']! +
        1
    )
    expect(run.progressDone).toBe(run.progressTotal)
    const chunks = await w.db.select().from(runChunks).where(eq(runChunks.runId, s.runId))
    const kept = chunks.filter((c) => c.side !== 'H')
    expect(kept.map((c) => `${c.side}${c.bucket}:${c.seq}`)).toEqual(['a0:0']) // the sample of additions
    // ... and the holder index of this exact sync: one entry per member, the sync points at it.
    const index = chunks.filter((c) => c.side === 'H')
    expect(index.reduce((n, c) => n + c.itemCount, 0)).toBe(230)
    const [sync] = await w.db.select().from(syncs).where(eq(syncs.id, run.syncId))
    expect(sync!.holderRunId).toBe(s.runId)
  })

  it('bounds the stored rejects of a run', async () => {
    const w = await makeWorld({ shop: smallShop(2_600, { size: 2_500 }, false) })
    for (let id = 1; id <= 1_100; id++) await w.crm.changeEmail(id, `bad-${id}`)
    const s = await w.start()
    if (!s.started) throw new Error()
    await w.drain({ extra: { pagesPerStep: 10 } })
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.countsParsed.invalid).toBe(1_100)
    expect((await w.rejects(s.runId)).length).toBe(REJECT_CAP)
  }, 60_000)

  it(`keeps the last ${KEEP_RUNS} runs of a sync`, async () => {
    const w = await makeWorld({ shop: smallShop(10, { size: 5 }, false) })
    for (let i = 0; i < 25; i++) await makeRun(w.tenant.id, w.sync.id, { status: 'done' })
    const s = await w.start()
    if (!s.started) throw new Error()
    await w.drain()
    const left = await w.db.select({ id: runs.id }).from(runs).where(eq(runs.syncId, w.sync.id))
    expect(left.length).toBe(KEEP_RUNS)
    expect(left.map((r) => r.id)).toContain(s.runId)
  })
})

describe('RetailCRM pacing shared by a tenant', () => {
  it('gives concurrent steps of one tenant successive windows of calls', async () => {
    const { env } = await import('cloudflare:workers')
    const { StepContext } = await import('../../src/sync/context')
    const { engineDeps } = await import('../../src/sync/process')
    const { loadRun } = await import('../../src/sync/store')
    const w = await makeWorld({ shop: smallShop(10, { size: 5 }, false) })
    const a = await makeRun(w.tenant.id, w.sync.id, { status: 'running' })
    const b = await makeRun(w.tenant.id, w.sync.id, { status: 'running' })
    const deps = engineDeps(env, { now: () => 1_000_000, crmIntervalMs: 100 })
    const ctxA = new StepContext(deps, (await loadRun(env.DB, a.id))!, {
      type: 'run-step',
      runId: a.id,
      seq: 0,
    })
    const ctxB = new StepContext(deps, (await loadRun(env.DB, b.id))!, {
      type: 'run-step',
      runId: b.id,
      seq: 0,
    })
    await Promise.all([ctxA.reserveCrmCalls(50), ctxB.reserveCrmCalls(50)])
    const starts = [ctxA.cursor.crmNextAt, ctxB.cursor.crmNextAt].sort((x, y) => x - y)
    expect(starts).toEqual([1_000_000, 1_005_000])
  })
})
