/**
 * Efficiency at production step sizes: API calls at the minimum (ceil(N/100) CRM pages and the one
 * refused ask for 250 where the CRM refuses it, one export, ceil(adds/500) + ceil(removes/500)
 * imports), a second run of an unchanged segment writes nothing,
 * a run after a small change writes only the change, and every step stays within 100 subrequests
 * (fetches + D1 statements + queue sends). Counts, not timings.
 */
import { describe, expect, it } from 'vitest'
import { parseApiCalls } from '../../src/sync/api-calls'
import type { EngineDeps } from '../../src/sync/context'
import { DEFAULT_SIZES } from '../../src/sync/process'
import { countingD1 } from '../support/counting-d1'
import { makeWorld, smallShop, type World } from '../support/world'

/** Runs a sync to its end at production sizes, recording the largest per-step subrequest count. */
async function measuredRun(w: World) {
  const s = await w.start()
  if (!s.started) throw new Error('not started')
  let maxSub = 0
  const d1Count = { n: 0 }
  let fetches = 0
  const sentBefore = { n: 0 }
  const extra: Partial<EngineDeps> = {
    ...DEFAULT_SIZES,
    crmIntervalMs: 100,
    d1: countingD1(d1Count),
    fetch: (input, init) => {
      fetches++
      return fetch(input, init)
    },
  }
  await w.drain({
    extra,
    onStep: () => {
      const sends = 1 // at most one message per step
      maxSub = Math.max(maxSub, d1Count.n + fetches + sends)
      d1Count.n = 0
      fetches = 0
      sentBefore.n = w.sent.length
    },
  })
  const run = await w.run(s.runId)
  return { run, calls: parseApiCalls(run.apiCalls), maxSub }
}

describe('efficiency at production step sizes', () => {
  it('uses the minimum of API calls, writes only differences, and bounds every step', async () => {
    const N = 6_200
    const w = await makeWorld({ shop: smallShop(N + 300, { size: N }, false) })
    await w.uni.seedContacts(
      w.account,
      Array.from({ length: 700 }, (_, i) => ({
        email: `stranger${i}@example.org`,
        lists: [w.listId],
      }))
    )
    const first = await measuredRun(w)
    expect(first.run.status).toBe('needs_confirmation') // 700 of 700 removed: held by the guard
    const { confirmRun } = await import('../../src/sync/control')
    await confirmRun(
      { db: w.db, queue: w.queue, now: () => 0 },
      { tenantId: w.tenant.id, runId: first.run.id }
    )
    const resumed = await measuredRun2(w)
    const run = resumed.run
    expect(run.status).toBe('done')
    expect(run.countsParsed.added).toBe(N)
    expect(run.countsParsed.removed).toBe(700)
    const calls = parseApiCalls(run.apiCalls).detail
    // Pages of 100, after one refused ask for 250 (the sandbox's default), once per shop.
    expect(calls['retailcrm:customers']).toBe(Math.ceil(N / 100) + 1)
    expect(calls['unisender:async/exportContacts']).toBe(1)
    // Adds and removes share import calls: ceil((adds + removes) / 500).
    expect(calls['unisender:importContacts']).toBe(Math.ceil((N + 700) / 500))
    expect(first.maxSub).toBeGreaterThan(50) // the metering sees a 50-page read step
    expect(Math.max(first.maxSub, resumed.maxSub)).toBeLessThanOrEqual(100)

    // Unchanged: nothing written.
    const again = await measuredRun(w)
    expect(again.run.status).toBe('done')
    expect(again.calls.detail['unisender:importContacts'] ?? 0).toBe(0)
    expect(again.maxSub).toBeLessThanOrEqual(100)

    // 1% changed (31 out, 31 in): one import call carries both.
    await w.crm.recalculate('seg', { add: 31, remove: 31 })
    const changed = await measuredRun(w)
    expect(changed.run.status).toBe('done')
    expect(changed.run.countsParsed.added).toBe(31)
    expect(changed.run.countsParsed.removed).toBe(31)
    expect(changed.calls.detail['unisender:importContacts']).toBe(1)
    // Every Unisender call of the second run: export, one poll, the plan check (every run that
    // adds has one, #13) and one import: ceil(changes / 500) + 3.
    expect(changed.calls.unisender).toBe(Math.ceil(62 / 500) + 3)
  }, 120_000)
})

/** Continues draining already-queued messages (after a confirmation) with the same metering. */
async function measuredRun2(w: World) {
  let maxSub = 0
  const d1Count = { n: 0 }
  let fetches = 0
  const runId = w.sent[0]!.msg.runId
  await w.drain({
    extra: {
      ...DEFAULT_SIZES,
      d1: countingD1(d1Count),
      fetch: (input, init) => {
        fetches++
        return fetch(input, init)
      },
    },
    onStep: () => {
      maxSub = Math.max(maxSub, d1Count.n + fetches + 1)
      d1Count.n = 0
      fetches = 0
    },
  })
  return { run: await w.run(runId), maxSub }
}
