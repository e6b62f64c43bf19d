import { describe, expect, it } from 'vitest'
import { createIntervalLimiter } from '../../src/clients/http'
import { createRetailCrmClient } from '../../src/clients/retailcrm'
import { outbound } from '../support/outbound'

const CRM = 'https://shop.retailcrm.ru'
const client = () => createRetailCrmClient({ systemUrl: `${CRM}/`, apiKey: 'CRM-KEY' })

describe('retailcrm client', () => {
  it('authenticates with X-API-KEY and passes filters as the API expects', async () => {
    let seen: Request | undefined
    outbound.route(CRM, (req) => {
      seen = req
      return Response.json({
        success: true,
        pagination: { limit: 100, totalCount: 1, currentPage: 2, totalPageCount: 2 },
        customers: [{ id: 7, email: ' A@X.ru ', segments: [{ code: 'vip', id: 1 }] }],
      })
    })
    const page = await client().listCustomers({ segment: 'vip', page: 2 })
    expect(page.customers[0]?.email).toBe(' A@X.ru ')
    const url = new URL(seen!.url)
    expect(url.pathname).toBe('/api/v5/customers')
    expect(url.searchParams.get('filter[segment]')).toBe('vip')
    expect(url.searchParams.get('limit')).toBe('100')
    expect(url.searchParams.get('page')).toBe('2')
    expect(seen!.headers.get('x-api-key')).toBe('CRM-KEY')
  })

  it('posts the integration module as one JSON form field', async () => {
    let form: URLSearchParams | undefined
    outbound.route(CRM, async (req) => {
      form = new URLSearchParams(await req.text())
      return Response.json({ success: true, info: {} })
    })
    await client().editIntegrationModule({
      code: 'm',
      integrationCode: 'm',
      active: true,
      name: 'n',
      clientId: 'c',
      baseUrl: 'https://module.test',
      accountUrl: 'https://module.test/retailcrm/login',
      actions: { activity: '/retailcrm/activity' },
    })
    expect(JSON.parse(form!.get('integrationModule')!)).toMatchObject({ code: 'm', clientId: 'c' })
  })

  it.each([
    [403, 'auth'],
    [401, 'auth'],
    [503, 'retryable'],
    [429, 'retryable'],
    [400, 'fatal'],
    [404, 'fatal'],
  ])('classifies HTTP %i as %s with the CRM message', async (status, kind) => {
    outbound.route(CRM, () =>
      Response.json(
        { success: false, errorMsg: 'Wrong "apiKey" value.', errors: { limit: 'bad' } },
        { status }
      )
    )
    const err = await client()
      .getCredentials()
      .catch((e) => e)
    expect(err).toMatchObject({ service: 'retailcrm', kind })
    expect(err.message).toContain('Wrong "apiKey" value.')
    expect(err.message).toContain('limit: bad')
  })

  it('reports an HTML answer as a missing account', async () => {
    outbound.route(CRM, () => new Response('<html>no such account</html>', { status: 200 }))
    await expect(client().getCredentials()).rejects.toMatchObject({
      kind: 'fatal',
      message: /does not exist/,
    })
  })

  it('spaces calls with the interval limiter (10 requests/s)', async () => {
    let now = 0
    const waits: number[] = []
    const limiter = createIntervalLimiter(100, {
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms)
        now += ms
      },
    })
    for (let i = 0; i < 3; i++) await limiter.acquire()
    expect(waits).toEqual([100, 100])
  })
})
