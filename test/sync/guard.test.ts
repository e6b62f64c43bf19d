/** The removal guard's threshold and the plan-limit arithmetic (guard.ts). */
import { describe, expect, it } from 'vitest'
import { guardTrips, mentionsPlanLimit, planShortfall } from '../../src/sync/guard'

describe('guard and plan arithmetic', () => {
  it('trips only above the share and at the minimum count', () => {
    expect(guardTrips(100, 400, 25, 100)).toBe(false) // exactly 25 %
    expect(guardTrips(101, 400, 25, 100)).toBe(true)
    expect(guardTrips(99, 100, 25, 100)).toBe(false) // below the minimum count
    expect(guardTrips(100, 0, 25, 100)).toBe(true)
    expect(guardTrips(0, 0, 25, 100)).toBe(false)
  })

  it('computes the missing contacts', () => {
    expect(planShortfall(40, { subscribers_total: 25, subscribers_used: 0 })).toBe(15)
    expect(planShortfall(10, { subscribers_total: 100, subscribers_used: 90 })).toBe(0)
    expect(planShortfall(10, {})).toBe(0)
    expect(mentionsPlanLimit('Contact limit of your tariff exceeded')).toBe(true)
    expect(mentionsPlanLimit('api_call_limit_exceeded_for_api_key')).toBe(false)
  })
})
