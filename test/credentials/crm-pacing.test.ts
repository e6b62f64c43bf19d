/** A tenant's CRM pacing: a reserved window is waited for once, then every call is paced. */
import { describe, expect, it } from 'vitest'
import { CRM_INTERVAL_MS, windowLimiter } from '../../src/credentials/crm-pacing'
import { RATE_LIMIT_PER_SECOND } from '../../src/sandbox/retailcrm/faults'

describe('windowLimiter', () => {
  it('waits for the reserved window once, not before every call', async () => {
    const sleeps: number[] = []
    let paced = 0
    const limiter = windowLimiter(
      3_000,
      () => 1_000,
      { acquire: async () => void paced++ },
      async (ms) => void sleeps.push(ms)
    )
    for (let i = 0; i < 20; i++) await limiter.acquire()
    expect(sleeps).toEqual([2_000])
    expect(paced).toBe(20)
  })

  it('does not wait when the window has started, and never more than a minute', async () => {
    const sleeps: number[] = []
    const inner = { acquire: async () => {} }
    const acquireOnce = (startAt: number, now: number) =>
      windowLimiter(
        startAt,
        () => now,
        inner,
        async (ms) => void sleeps.push(ms)
      ).acquire()
    await acquireOnce(500, 1_000)
    await acquireOnce(500_000, 0)
    expect(sleeps).toEqual([60_000])
  })
})

describe('background pacing', () => {
  it("leaves room in every second for a person's form: at most 8 of the 10 requests/s", () => {
    // Calls at k * CRM_INTERVAL_MS from a window's start: count those inside any 1,000 ms.
    const starts = Array.from({ length: 50 }, (_, k) => k * CRM_INTERVAL_MS)
    const most = Math.max(...starts.map((t) => starts.filter((u) => u >= t && u < t + 1000).length))
    expect(most).toBeLessThanOrEqual(RATE_LIMIT_PER_SECOND - 2)
  })
})
