/**
 * Failing fast on an export file that cannot be downloaded (issue #16, point 5): a download that
 * answers 5xx for ever ends the list read after a bounded time (counted from the first failed
 * download, kept in the run's cursor) and the run finishes with additions only, saying why,
 * instead of keeping the run "running" through every queue retry until the dead-letter queue.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { processRunStep } from '../../src/sync/process'
import { DOWNLOAD_GIVE_UP_MS } from '../../src/sync/step-export'
import { makeWorld, smallShop, type World } from '../support/world'

/** Queue retries a run step gets before the dead-letter queue (wrangler.toml max_retries). */
const MAX_RETRIES = 10

/**
 * Delivers every queued message like the queue would: a retry comes back after its delay (the
 * clocks move on by it) with one more attempt; more than MAX_RETRIES retries is the DLQ.
 */
async function drainInTime(w: World) {
  const phases: string[] = []
  while (w.sent.length > 0) {
    const { msg } = w.sent.shift()!
    for (let attempts = 1; ; attempts++) {
      const v = await processRunStep(env, msg, { attempts }, w.overrides())
      if (v.kind === 'ack') break
      phases.push((await w.run(msg.runId)).phase)
      if (attempts > MAX_RETRIES) throw new Error('the step went to the dead-letter queue')
      w.crm.clock.advance((v.delaySeconds ?? 5) * 1000)
      w.uni.clock.advance((v.delaySeconds ?? 5) * 1000)
    }
  }
  return phases
}

/** A list with one stranger (an exact run would remove it) and a segment of 10. */
async function world() {
  const w = await makeWorld({ shop: smallShop(20, { size: 10 }, false) })
  await w.uni.seedContacts(w.account, [{ email: 'stranger@example.org', lists: [w.listId] }])
  return w
}

describe('export file download that keeps failing', () => {
  it('gives up after the bounded time and finishes with additions only, saying why', async () => {
    const w = await world()
    w.uni.faults.set({ rules: [{ kind: 'http5xx', methods: ['download'] }] })
    const s = await w.start()
    if (!s.started) throw new Error('not started')
    const started = w.crm.clock.now()
    const retried = await drainInTime(w)
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.additionsOnly).toBe(true)
    expect(run.errorMessage).toMatch(/download/i)
    expect(run.errorMessage).toMatch(/removals were skipped/)
    expect(run.countsParsed.removed).toBe(0)
    expect(run.countsParsed.added).toBe(10)
    expect(await w.listEmails()).toContain('stranger@example.org')
    // Bounded: only read_list retried, fewer times than the queue allows, about the bound long.
    expect(new Set(retried)).toEqual(new Set(['read_list']))
    expect(retried.length).toBeLessThan(MAX_RETRIES)
    const elapsed = w.crm.clock.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(DOWNLOAD_GIVE_UP_MS)
    expect(elapsed).toBeLessThan(DOWNLOAD_GIVE_UP_MS + 15 * 60_000)
  })

  it('a download that recovers within the bound reads the whole list (removals stay on)', async () => {
    const w = await world()
    w.uni.faults.set({ rules: [{ kind: 'http5xx', count: 4, methods: ['download'] }] })
    const s = await w.start()
    if (!s.started) throw new Error('not started')
    const retried = await drainInTime(w)
    expect(retried.length).toBe(4)
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.additionsOnly).toBe(false)
    expect(run.countsParsed.removed).toBe(1)
    expect(await w.listEmails()).not.toContain('stranger@example.org')
  })

  it('the first failure is counted from the cursor, so redeliveries do not restart the clock', async () => {
    const w = await world()
    w.uni.faults.set({ rules: [{ kind: 'http5xx', methods: ['download'] }] })
    const s = await w.start()
    if (!s.started) throw new Error('not started')
    // Every failed attempt comes back as a fresh delivery (attempts = 1: e.g. the watchdog's
    // re-send), 2 minutes later: only the cursor remembers when the downloads started failing.
    let deliveries = 0
    while (w.sent.length > 0) {
      const { msg } = w.sent.shift()!
      for (;;) {
        const v = await processRunStep(env, msg, { attempts: 1 }, w.overrides())
        if (v.kind === 'ack') break
        deliveries++
        if (deliveries > 20) throw new Error('the run never gave up on the download')
        w.crm.clock.advance(2 * 60_000)
        w.uni.clock.advance(2 * 60_000)
      }
    }
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.additionsOnly).toBe(true)
    expect(run.errorMessage).toMatch(/download/i)
    expect(deliveries).toBe(Math.ceil(DOWNLOAD_GIVE_UP_MS / (2 * 60_000)))
  })
})
