import { describe, expect, it } from 'vitest'
import { createRetailCrmClient } from '../../src/clients/retailcrm'
import { createUnisenderClient } from '../../src/clients/unisender'
import { outbound } from '../support/outbound'

const CRM = 'https://shop.retailcrm.ru'
const API = 'https://api.unisender.test/ru/api'

/** Answers `first` for the first `n` calls, then `then`. */
function sequence(n: number, first: () => Response, then: () => Response) {
  let calls = 0
  return {
    handler: () => (++calls <= n ? first() : then()),
    calls: () => calls,
  }
}

const segments = () =>
  Response.json({
    success: true,
    pagination: { limit: 100, totalCount: 0, currentPage: 1, totalPageCount: 0 },
    segments: [],
  })
const limited = () =>
  Response.json({ success: false, errorMsg: 'Rate limit exceeded' }, { status: 503 })

describe('in-place retry of rate-limit answers', () => {
  it('retries a RetailCRM 503 after a pause and spends the shared budget', async () => {
    const seq = sequence(2, limited, segments)
    outbound.route(CRM, seq.handler)
    const sleeps: number[] = []
    const retry = { budget: 5, sleep: async (ms: number) => void sleeps.push(ms) }
    const crm = createRetailCrmClient({ systemUrl: CRM, apiKey: 'k', rateLimitRetry: retry })
    await expect(crm.listSegments()).resolves.toMatchObject({ segments: [] })
    expect(seq.calls()).toBe(3)
    expect(sleeps).toEqual([250, 500])
    expect(retry.budget).toBe(3)
  })

  it('gives the error back to the queue when the budget is spent', async () => {
    outbound.route(CRM, limited)
    const retry = { budget: 1, sleep: async () => {} }
    const crm = createRetailCrmClient({ systemUrl: CRM, apiKey: 'k', rateLimitRetry: retry })
    await expect(crm.listSegments()).rejects.toMatchObject({ kind: 'retryable', status: 503 })
    expect(retry.budget).toBe(0)
  })

  it('does not retry in place without a budget (the default)', async () => {
    const seq = sequence(1, limited, segments)
    outbound.route(CRM, seq.handler)
    await expect(
      createRetailCrmClient({ systemUrl: CRM, apiKey: 'k' }).listSegments()
    ).rejects.toMatchObject({
      status: 503,
    })
    expect(seq.calls()).toBe(1)
  })

  it('retries Unisender api_call_limit_exceeded in place but hands retry_later back', async () => {
    const over = () =>
      Response.json({ error: 'limit', code: 'api_call_limit_exceeded_for_api_key' })
    const ok = () => Response.json({ result: [] })
    const seq = sequence(1, over, ok)
    outbound.route(API, seq.handler)
    const retry = { budget: 3, sleep: async () => {} }
    const uni = createUnisenderClient({ apiUrl: API, apiKey: 'k', rateLimitRetry: retry })
    await expect(uni.getLists()).resolves.toEqual([])
    expect(seq.calls()).toBe(2)

    outbound.route(API, () => Response.json({ error: 'later', code: 'retry_later' }))
    await expect(uni.getLists()).rejects.toMatchObject({ code: 'retry_later' })
    expect(retry.budget).toBe(2)
  })
})
