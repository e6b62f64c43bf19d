import { describe, expect, it } from 'vitest'
import { judgeShare } from '../../src/sync/shared-lead'

describe('judgeShare: a base read checked against the CRM count of each segment it served', () => {
  it('trusts a share that holds every customer the CRM counts', () => {
    expect(judgeShare(120, 120)).toBe('ok')
    expect(judgeShare(0, 0)).toBe('ok')
    // More came than counted (a recalculation during the read): nobody is removed wrongly for it.
    expect(judgeShare(100, 101)).toBe('ok')
  })

  it('takes a share smaller than the count as short: that run only adds', () => {
    expect(judgeShare(120, 119)).toBe('short')
    expect(judgeShare(5, 0)).toBe('short')
  })

  it('a segment gone from the CRM is missing only when no customer came with it', () => {
    expect(judgeShare('missing', 0)).toBe('missing')
    expect(judgeShare('missing', 3)).toBe('short')
  })

  it('a count it could not find proves nothing', () => {
    expect(judgeShare('unknown', 10)).toBe('short')
    expect(judgeShare(undefined, 10)).toBe('short')
  })
})
