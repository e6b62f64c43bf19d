import { describe, expect, it } from 'vitest'
import { outbound } from '../support/outbound'

describe('offline guard', () => {
  it('refuses and records a request to an unregistered host', async () => {
    await expect(fetch('https://example.com/x')).rejects.toThrow(/Network access is disabled/)
    expect(outbound.unexpected()).toEqual(['GET https://example.com/x'])
    outbound.reset() // this test expects the refusal; clear it so the guard does not fail it
  })

  it('routes a registered origin to its handler', async () => {
    outbound.route('https://crm.test', (req) => new Response(new URL(req.url).pathname))
    expect(await (await fetch('https://crm.test/api/v5/segments')).text()).toBe('/api/v5/segments')
  })
})
