/** The per-key call limit of 1,200 calls a minute, over an injected clock. */
import { describe, expect, it } from 'vitest'
import { SlidingWindow } from '../../../src/sandbox/unisender/rate-limit'
import { callUnisender, installUnisenderSandbox } from '../../support/sandbox-unisender'

describe('SlidingWindow', () => {
  it('allows `limit` calls per window and frees them as they age out', () => {
    const w = new SlidingWindow(3, 1000)
    expect([w.hit('k', 0), w.hit('k', 10), w.hit('k', 20), w.hit('k', 30)]).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(w.hit('other', 30)).toBe(true)
    expect(w.hit('k', 999)).toBe(false)
    expect(w.hit('k', 1000)).toBe(true)
  })
})

describe('api_call_limit_exceeded_for_api_key', () => {
  it('answers the 1,201st call within a minute with the limit error, per key', {
    timeout: 60_000,
  }, async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const other = await uni.createAccount()
    // Spread 1,200 calls over 59 s of the injected clock: 48 ticks of 1.2 s, 25 calls at each
    // (sent together: the clock does not move within a tick).
    for (let tick = 0; tick < 48; tick++) {
      uni.clock.advance(1_200)
      const answers = await Promise.all(
        Array.from({ length: 25 }, () => callUnisender('getLists', { api_key: acc.apiKey }))
      )
      for (const [k, r] of answers.entries())
        if ((r.body as { error?: string }).error)
          throw new Error(`call ${tick * 25 + k} failed: ${JSON.stringify(r.body)}`)
    }
    const over = await callUnisender('getLists', { api_key: acc.apiKey })
    expect(over).toEqual({
      status: 200,
      body: { error: expect.any(String), code: 'api_call_limit_exceeded_for_api_key', result: '' },
    })
    expect((await callUnisender('getLists', { api_key: other.apiKey })).body).toEqual({
      result: [],
    })
    uni.clock.advance(3_600) // 61.2 s after the first 25 calls: they leave the window
    expect((await callUnisender('getLists', { api_key: acc.apiKey })).body).toEqual({ result: [] })
  })
})
