/**
 * The watchdog follows what the current step can take (issue #16, point 6): a run whose message was
 * lost (the module's process killed mid-run) resumes within minutes, not after half an hour, while a
 * step that is backing off is given until its retry time plus the same margin. The retry time is
 * recorded by the engine when it retries a step with a delay, and cleared by the step's next commit.
 */
import { env } from 'cloudflare:workers'
import { inArray } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { runs } from '../../src/db/schema'
import type { ScheduleDeps } from '../../src/schedule/deps'
import { reviveStalledRuns, STEP_STALL_MS } from '../../src/schedule/watchdog'
import { processRunStep } from '../../src/sync/process'
import { parseCursor } from '../../src/sync/state'
import { makeWorld, smallShop, type World } from '../support/world'

/** The scheduler's deps the watchdog uses, on the world's clock and recording queue. */
function watchdogDeps(w: World): ScheduleDeps {
  return { db: w.db, queue: w.queue, now: w.crm.clock.now } as unknown as ScheduleDeps
}

// The watchdog looks at every run: earlier tests' runs (same database) are finished first.
beforeEach(async () => {
  await createDb(env.DB)
    .update(runs)
    .set({ status: 'cancelled' })
    .where(inArray(runs.status, ['queued', 'running']))
})

function advance(w: World, ms: number) {
  w.crm.clock.advance(ms)
  w.uni.clock.advance(ms)
}

/** Starts a run and delivers its first step, whose successor is then lost with the process. */
async function runWithLostMessage(w: World) {
  const s = await w.start()
  if (!s.started) throw new Error('not started')
  const { msg } = w.sent.shift()!
  expect((await processRunStep(env, msg, { attempts: 1 }, w.overrides())).kind).toBe('ack')
  expect(w.sent).toHaveLength(1)
  w.sent.length = 0 // killed: the in-flight message is gone
  return s.runId
}

describe('the watchdog and a lost message', () => {
  it('resumes a run with no progress within a few minutes', async () => {
    const w = await makeWorld({ shop: smallShop(40, { size: 30 }, false) })
    const runId = await runWithLostMessage(w)
    const deps = watchdogDeps(w)
    advance(w, 2 * 60_000)
    expect(await reviveStalledRuns(deps)).toEqual([]) // a step may legitimately take this long
    advance(w, 4 * 60_000) // 6 minutes without a commit: the next tick resumes it
    expect(await reviveStalledRuns(deps)).toEqual([runId])
    expect(w.sent.map((m) => m.msg)).toEqual([{ type: 'run-step', runId, seq: 1 }])
    // And the run goes on to its end from the re-sent step.
    await w.drain()
    const run = await w.run(runId)
    expect(run.status).toBe('done')
    expect(await w.listEmails()).toHaveLength(30)
  })

  it('uses a threshold of a few minutes', () => {
    expect(STEP_STALL_MS).toBeGreaterThanOrEqual(3 * 60_000)
    expect(STEP_STALL_MS).toBeLessThanOrEqual(6 * 60_000)
  })
})

describe('the watchdog and a step that backs off', () => {
  /** A run whose step is retried with the longest backoff (15 minutes). */
  async function backingOff(w: World) {
    const s = await w.start()
    if (!s.started) throw new Error('not started')
    const { msg } = w.sent.shift()!
    w.uni.faults.set({ rules: [{ kind: 'retry_later' }] })
    // The 10th attempt of a step waits the longest (src/lib/backoff.ts caps it at 15 minutes).
    const v = await processRunStep(env, msg, { attempts: 10 }, w.overrides())
    expect(v).toEqual({ kind: 'retry', delaySeconds: 900 })
    return { runId: s.runId, msg, committedAt: w.crm.clock.now() }
  }

  it('records when the retry is due, in the run', async () => {
    const w = await makeWorld({ shop: smallShop(40, { size: 30 }, false) })
    const { runId, committedAt } = await backingOff(w)
    const run = await w.run(runId)
    expect(parseCursor(run.cursor).retryAt).toBe(committedAt + 900_000)
  })

  it('is left alone until its retry time plus the margin, then resumed', async () => {
    const w = await makeWorld({ shop: smallShop(40, { size: 30 }, false) })
    const { runId } = await backingOff(w)
    const deps = watchdogDeps(w)
    advance(w, 15 * 60_000 + STEP_STALL_MS - 60_000) // the retry is late, but within the margin
    expect(await reviveStalledRuns(deps)).toEqual([])
    expect(w.sent).toHaveLength(0)
    advance(w, 2 * 60_000) // the retry never came (lost with the process): resumed
    expect(await reviveStalledRuns(deps)).toEqual([runId])
    expect(w.sent.map((m) => m.msg)).toEqual([{ type: 'run-step', runId, seq: 0 }])
  })

  it('forgets the retry time once the step commits again', async () => {
    const w = await makeWorld({ shop: smallShop(40, { size: 30 }, false) })
    const { runId, msg } = await backingOff(w)
    w.uni.faults.clear()
    advance(w, 900_000)
    expect((await processRunStep(env, msg, { attempts: 11 }, w.overrides())).kind).toBe('ack')
    expect(parseCursor((await w.run(runId)).cursor).retryAt).toBeNull()
    // Now an ordinary step again: no progress for STEP_STALL_MS means a lost message.
    w.sent.length = 0
    advance(w, STEP_STALL_MS + 1)
    expect(await reviveStalledRuns(watchdogDeps(w))).toEqual([runId])
  })
})
