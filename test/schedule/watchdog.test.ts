/** The stalled-run watchdog: a run whose step message was lost is resumed, and only such runs. */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runs } from '../../src/db/schema'
import { runTick } from '../../src/schedule/tick'
import { reviveStalledRuns, STALL_MS } from '../../src/schedule/watchdog'
import { startRun } from '../../src/sync/start'
import { makeScheduleWorld, type ScheduleWorld } from '../support/world'

async function startedRun(t: ScheduleWorld) {
  const sync = await t.sync('dyn')
  const res = await startRun(
    { db: t.db, queue: t.deps.queue as never, now: t.deps.now },
    { tenantId: t.tenant.id, syncId: sync.id, trigger: 'manual' }
  )
  if (!res.started) throw new Error('not started')
  t.sent.length = 0 // the first step's message is lost
  return res.runId
}

const stepsSent = (t: ScheduleWorld) =>
  t.sent.filter((m) => (m as { type: string }).type === 'run-step')

describe('reviveStalledRuns', () => {
  it('re-sends the current step of a run without progress for 30 minutes, once', async () => {
    const t = await makeScheduleWorld()
    const runId = await startedRun(t)
    t.crm.clock.advance(STALL_MS - 60_000)
    expect(await reviveStalledRuns(t.deps)).toEqual([])
    t.crm.clock.advance(2 * 60_000)
    expect(await reviveStalledRuns(t.deps)).toEqual([runId])
    expect(stepsSent(t)).toEqual([{ type: 'run-step', runId, seq: 0 }])
    // Revived: the next chance is another 30 minutes away.
    expect(await reviveStalledRuns(t.deps)).toEqual([])
    t.crm.clock.advance(STALL_MS + 1)
    expect(await reviveStalledRuns(t.deps)).toEqual([runId])
  })

  it('leaves alone runs that stepped recently, wait for the user, or are finished', async () => {
    const t = await makeScheduleWorld()
    const a = await startedRun(t)
    const b = await startedRun(t)
    const c = await startedRun(t)
    t.crm.clock.advance(STALL_MS + 60_000)
    await t.db
      .update(runs)
      .set({ steppedAt: t.deps.now() - 1000 })
      .where(eq(runs.id, a))
    await t.db.update(runs).set({ status: 'needs_confirmation' }).where(eq(runs.id, b))
    await t.db.update(runs).set({ status: 'done' }).where(eq(runs.id, c))
    expect(await reviveStalledRuns(t.deps)).toEqual([])
    expect(stepsSent(t)).toEqual([])
  })

  it('is part of the tick', async () => {
    const t = await makeScheduleWorld()
    const runId = await startedRun(t)
    t.crm.clock.advance(STALL_MS + 1)
    expect((await runTick(t.deps)).revived).toEqual([runId])
  })
})
