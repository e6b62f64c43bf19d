/** Judging where a sign-in hand-off comes from: only the tenant's own CRM (or the module itself). */
import { describe, expect, it } from 'vitest'
import { judgeHandoff } from '../../src/tenants/handoff-origin'

const CRM = 'https://shop.retailcrm.ru'
const MODULE = 'https://module.test'
const judge = (h: Parameters<typeof judgeHandoff>[0]) => judgeHandoff(h, CRM, MODULE).ok

describe('judgeHandoff', () => {
  it('accepts the tenant CRM origin, and the module itself', () => {
    expect(judge({ origin: CRM })).toBe(true)
    expect(judge({ origin: MODULE })).toBe(true)
    expect(
      judgeHandoff({ origin: 'http://localhost:8788' }, 'http://localhost:8788/crm/demo', MODULE).ok
    ).toBe(true)
  })

  it('refuses any other origin, even another RetailCRM account', () => {
    expect(judge({ origin: 'https://evil.example' })).toBe(false)
    expect(judge({ origin: 'https://other-shop.retailcrm.ru' })).toBe(false)
    expect(judge({ origin: 'http://shop.retailcrm.ru' })).toBe(false) // scheme matters
    // An Origin wins over a Referer that would pass.
    expect(judge({ origin: 'https://evil.example', referer: `${CRM}/admin` })).toBe(false)
  })

  it('judges a missing Origin by the Referer', () => {
    expect(judge({ referer: `${CRM}/admin/integration/list` })).toBe(true)
    expect(judge({ referer: 'https://evil.example/page' })).toBe(false)
    expect(judge({ origin: 'null', referer: 'https://evil.example/' })).toBe(false)
  })

  it('without Origin and Referer, accepts only a visit the person started or a same-origin one', () => {
    expect(judge({ secFetchSite: 'none' })).toBe(true)
    expect(judge({ secFetchSite: 'same-origin' })).toBe(true)
    expect(judge({ secFetchSite: 'cross-site' })).toBe(false)
    expect(judge({ secFetchSite: 'same-site' })).toBe(false)
    expect(judge({ origin: 'null' })).toBe(false)
  })

  it('refuses a request that says nothing about where it comes from', () => {
    expect(judgeHandoff({}, CRM, MODULE)).toEqual({ ok: false, reason: 'no origin' })
  })
})
