/**
 * A shared read at production step sizes (50 pages a step) stays within 100 subrequests a step
 * (fetches + D1 statements, a batch counting each of its statements, + the queue send), with the
 * largest group (8 runs: an all-customers sync and 7 segments, so the leader reads the base and
 * writes into 7 members every step) on addresses of every kind (invalid, opted out, role), with
 * room left for the in-place rate-limit retries a step may add.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runs } from '../../src/db/schema'
import type { SegmentDefinition } from '../../src/sandbox/retailcrm/shops'
import type { EngineDeps } from '../../src/sync/context'
import { DEFAULT_SIZES, processRunStep } from '../../src/sync/process'
import { parseCursor } from '../../src/sync/state'
import { countingD1 } from '../support/counting-d1'
import { dispatch, groupRuns, groupWorld } from '../support/shared-read'

const N = 26_000
const SEGMENTS: SegmentDefinition[] = Array.from({ length: 7 }, (_, i) => ({
  code: `s${i}`,
  name: `S${i}`,
  dynamic: true,
  offset: 1 + i,
  stride: 2,
  size: 10_000,
}))

describe('shared read subrequest budget', () => {
  it('a leader serving 7 members reads 44 pages a step within 100 subrequests', async () => {
    const g = await groupWorld(SEGMENTS, [null, ...SEGMENTS.map((s) => s.code)], {
      customers: N,
      quirks: true,
    })
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
    let maxSub = 0
    let readSteps = 0
    // Deliver until the leader's read is done (the rest of the runs is the ordinary engine).
    for (let i = 0; i < 500 && g.w.sent.length > 0; i++) {
      const { msg } = g.w.sent.shift()!
      const before = await g.w.db.select().from(runs).where(eq(runs.id, msg.runId))
      d1Count.n = 0
      fetches = 0
      await processRunStep(env, msg, { attempts: 1 }, g.w.overrides(extra))
      maxSub = Math.max(maxSub, d1Count.n + fetches + 1)
      if (msg.runId === leaderId && before[0]?.phase === 'read_crm') readSteps++
      const [l] = await g.w.db.select().from(runs).where(eq(runs.id, leaderId))
      if (parseCursor(l!.cursor).lead?.done) break
    }
    const [l] = await g.w.db.select().from(runs).where(eq(runs.id, leaderId))
    const lead = parseCursor(l!.cursor).lead!
    expect(lead.done).toBe(true)
    expect(lead.base).toBe(true)
    expect(lead.members).toHaveLength(7)
    // 26,000 customers at 250: 104 pages in 44-page steps (3 read steps after the members wait).
    expect(readSteps).toBeGreaterThanOrEqual(3)
    expect(maxSub).toBeGreaterThan(60)
    // Measured 89: room for the 8 in-place rate-limit retries a step may add.
    expect(maxSub).toBeLessThanOrEqual(100 - 8)
  }, 180_000)
})
