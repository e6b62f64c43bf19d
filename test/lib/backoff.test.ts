/** The one retry delay of every queue consumer. */
import { describe, expect, it } from 'vitest'
import { backoffSeconds } from '../../src/lib/backoff'

describe('backoffSeconds', () => {
  it('backs off exponentially and caps the delay', () => {
    expect([1, 2, 3, 4].map((a) => backoffSeconds(a))).toEqual([5, 10, 20, 40])
    expect(backoffSeconds(30)).toBe(900)
  })

  it('caps at the cap a consumer chooses (history polls: 5 minutes)', () => {
    expect(backoffSeconds(3, 300)).toBe(20)
    expect(backoffSeconds(12, 300)).toBe(300)
  })

  it('waits at least as long as the service asked, within the cap', () => {
    expect(backoffSeconds(1, 900, 60)).toBe(60)
    expect(backoffSeconds(5, 900, 60)).toBe(80)
    expect(backoffSeconds(1, 900, 5_000)).toBe(900)
  })
})
