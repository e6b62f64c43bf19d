/** What a run records: counts, timings, API calls, progress, bounded rejects, pruning, watermark. */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runChunks, runs, syncs } from '../../src/db/schema'
import { parseApiCalls } from '../../src/sync/api-calls'
import type { EngineDeps } from '../../src/sync/context'
import { KEEP_RUNS, REJECT_CAP } from '../../src/sync/state'
import { makeRun } from '../support/fixtures'
import { makeWorld, smallShop } from '../support/world'

/**
 * The engine's fetch, through which the CRM answers `bad-<id>` as the email of customers 1..n:
 * what 1,100 changeEmail calls on the emulator would serve, without ~5 s of emulator writes.
 */
function crmAnswersBadEmails(n: number): EngineDeps['fetch'] {
  return async (input, init) => {
    const res = await fetch(input, init)
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (!url.pathname.endsWith('/api/v5/customers') || !res.ok) return res
    const body = (await res.json()) as { customers: { id: number; email?: string }[] }
    for (const c of body.customers) if (c.id <= n) c.email = `bad-${c.id}`
    return Response.json(body, { status: res.status })
  }
}

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
    // 3 pages of 100, and the one refused ask for 250 (the sandbox's default; once per shop).
    expect(calls.retailcrm).toBe(3 + 1)
    expect(calls.detail['unisender:importContacts']).toBe(1)
    expect(calls.detail['unisender:getUserInfo']).toBe(1) // the plan check before adding
    expect(calls.unisender).toBe(
      calls.detail['unisender:async/exportContacts']! +
        calls.detail['unisender:async/getTaskResult']! +
        2
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
    // 1,100 bad addresses among 1,200 members: more rejects than the cap, few valid ones to write.
    const w = await makeWorld({ shop: smallShop(1_300, { size: 1_200 }, false) })
    const s = await w.start()
    if (!s.started) throw new Error()
    await w.drain({
      extra: {
        pagesPerStep: 10,
        diffEmailsPerStep: 5_000,
        importsPerStep: 5,
        fetch: crmAnswersBadEmails(1_100),
      },
    })
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.countsParsed.invalid).toBe(1_100)
    expect((await w.rejects(s.runId)).length).toBe(REJECT_CAP)
  })

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
