import { describe, expect, it } from 'vitest'
import { installRetailCrm } from '../../support/sandbox-retailcrm'

describe('rate limit: 10 requests per second per key', () => {
  it('answers the 11th request within one second with 503 Rate limit exceeded', async () => {
    const crm = await installRetailCrm()
    const key = await crm.issueKey()
    const other = await crm.issueKey()
    const call = (k: string) =>
      fetch(`${crm.origin}/api/v5/segments`, { headers: { 'X-API-KEY': k } })
    for (let i = 0; i < 10; i++) {
      expect((await call(key)).status).toBe(200)
      crm.clock.advance(50)
    }
    const refused = await call(key)
    expect(refused.status).toBe(503)
    expect(await refused.json()).toEqual({ success: false, errorMsg: 'Rate limit exceeded' })
    expect((await call(other)).status).toBe(200) // per key
    crm.clock.advance(510) // only the first call (t=0) has left the one-second window
    expect((await call(key)).status).toBe(200)
    expect((await call(key)).status).toBe(503)
    expect(crm.stats.calls['GET /api/v5/segments']).toBe(14)
    expect(crm.stats.refused.rateLimit).toBe(2)
    const state = (await (await crm.fetch('/sandbox/state')).json()) as { stats: unknown }
    expect(state.stats).toMatchObject({ refused: { rateLimit: 2 } })
  })

  it('lets a client pacing at 10 requests/s through', async () => {
    const crm = await installRetailCrm()
    const key = await crm.issueKey()
    for (let i = 0; i < 35; i++) {
      const res = await fetch(`${crm.origin}/api/v5/segments`, { headers: { 'X-API-KEY': key } })
      expect(res.status).toBe(200)
      crm.clock.advance(100)
    }
  })
})

describe('fault injection', () => {
  it('answers a burst of 5xx, then forced rate-limit answers, then recovers', async () => {
    const crm = await installRetailCrm()
    const key = await crm.issueKey()
    crm.faults.set({ errors: 2, errorStatus: 500, rateLimited: 1 })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      crm.clock.advance(200)
      const res = await fetch(`${crm.origin}/api/v5/segments`, { headers: { 'X-API-KEY': key } })
      statuses.push(res.status)
    }
    expect(statuses).toEqual([500, 500, 503, 200])
  })

  it('hangs until the caller gives up', async () => {
    const crm = await installRetailCrm()
    const key = await crm.issueKey()
    crm.faults.set({ hangs: 1 })
    const ctrl = new AbortController()
    const pending = fetch(`${crm.origin}/api/v5/segments`, {
      headers: { 'X-API-KEY': key },
      signal: ctrl.signal,
    })
    ctrl.abort(new Error('client timeout'))
    await expect(pending).rejects.toThrow('client timeout')
    crm.clock.advance(200)
    const next = await fetch(`${crm.origin}/api/v5/segments`, { headers: { 'X-API-KEY': key } })
    expect(next.status).toBe(200)
  })

  it('adds latency through the injected sleep and is settable over HTTP', async () => {
    const slept: number[] = []
    const crm = await installRetailCrm({ sleep: async (ms) => void slept.push(ms) })
    const key = await crm.issueKey()
    const set = await crm.fetch('/sandbox/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 250 }),
    })
    expect(set.status).toBe(200)
    await fetch(`${crm.origin}/api/v5/segments`, { headers: { 'X-API-KEY': key } })
    expect(slept).toEqual([250])
  })
})

describe('integration modules', () => {
  const module = {
    code: 'unisender-segments',
    integrationCode: 'unisender-segments',
    active: true,
    name: 'Unisender: сегменты',
    clientId: 'c'.repeat(64),
    baseUrl: 'https://module.test',
    accountUrl: 'https://module.test/retailcrm/login',
    actions: { activity: '/retailcrm/activity' },
  }
  const edit = (origin: string, key: string, code: string, body: unknown) =>
    fetch(`${origin}/api/v5/integration-modules/${code}/edit`, {
      method: 'POST',
      headers: { 'X-API-KEY': key, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ integrationModule: JSON.stringify(body) }),
    })

  it('stores the module sent as a JSON form field and returns it', async () => {
    const crm = await installRetailCrm()
    const key = await crm.issueKey()
    const res = await edit(crm.origin, key, module.code, module)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ success: true, info: {} })
    crm.clock.advance(200)
    const got = await fetch(`${crm.origin}/api/v5/integration-modules/${module.code}`, {
      headers: { 'X-API-KEY': key },
    })
    expect(await got.json()).toEqual({
      success: true,
      integrationModule: { ...module, freeze: false, native: false },
    })
  })

  it('rejects a code that does not match the URL, bad JSON, a missing field and no write scope', async () => {
    const crm = await installRetailCrm()
    const key = await crm.issueKey()
    const mismatch = await edit(crm.origin, key, 'other', module)
    expect(mismatch.status).toBe(400)
    expect(await mismatch.json()).toMatchObject({
      success: false,
      errors: { code: expect.any(String) },
    })
    crm.clock.advance(200)
    const { clientId: _, ...noClient } = module
    const missing = await edit(crm.origin, key, module.code, noClient)
    expect(missing.status).toBe(400)
    crm.clock.advance(200)
    const raw = await fetch(`${crm.origin}/api/v5/integration-modules/x/edit`, {
      method: 'POST',
      headers: { 'X-API-KEY': key, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'integrationModule=%7Bnot-json',
    })
    expect(raw.status).toBe(400)
    crm.clock.advance(200)
    const readOnly = await crm.issueKey(['integration_read', 'customer_read'])
    expect((await edit(crm.origin, readOnly, module.code, module)).status).toBe(403)
    crm.clock.advance(200)
    const none = await fetch(`${crm.origin}/api/v5/integration-modules/nothing`, {
      headers: { 'X-API-KEY': key },
    })
    expect(none.status).toBe(404)
  })

  it('accepts the apiKey as a POST form field', async () => {
    const crm = await installRetailCrm()
    const key = await crm.issueKey()
    const res = await fetch(`${crm.origin}/api/v5/integration-modules/${module.code}/edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ apiKey: key, integrationModule: JSON.stringify(module) }),
    })
    expect(res.status).toBe(200)
  })
})
