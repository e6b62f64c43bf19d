import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createRetailCrmEmulator } from '../../../src/sandbox/retailcrm/app'
import { installRetailCrm, type RetailCrmSandbox } from '../../support/sandbox-retailcrm'

let crm: RetailCrmSandbox
let key: string

beforeEach(async () => {
  crm = await installRetailCrm()
  key = await crm.issueKey()
})

describe('auth and errors in the real shape', () => {
  it('accepts the key in the X-API-KEY header and in the apiKey parameter', async () => {
    const byHeader = await fetch(`${crm.origin}/api/v5/segments`, { headers: { 'X-API-KEY': key } })
    expect(byHeader.status).toBe(200)
    const byParam = await fetch(`${crm.origin}/api/v5/segments?apiKey=${key}`)
    expect(byParam.status).toBe(200)
    expect(await byParam.json()).toMatchObject({ success: true })
  })

  it('answers a missing key with "apiKey" is missing.', async () => {
    const res = await fetch(`${crm.origin}/api/v5/segments`)
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ success: false, errorMsg: '"apiKey" is missing.' })
  })

  it('answers a wrong key with 403 Wrong "apiKey" value.', async () => {
    const res = await fetch(`${crm.origin}/api/v5/segments`, { headers: { 'X-API-KEY': 'nope' } })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ success: false, errorMsg: 'Wrong "apiKey" value.' })
  })

  it('answers a key without the scope with 403 Access denied.', async () => {
    const narrow = await crm.issueKey(['integration_read'])
    const res = await fetch(`${crm.origin}/api/v5/customers`, { headers: { 'X-API-KEY': narrow } })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ success: false, errorMsg: 'Access denied.' })
  })

  it('reports the key scopes and sites at /api/credentials', async () => {
    const res = await fetch(`${crm.origin}/api/credentials`, { headers: { 'X-API-KEY': key } })
    expect(await res.json()).toEqual({
      success: true,
      scopes: ['integration_read', 'integration_write', 'customer_read'],
      siteAccess: 'access_full',
      sitesAvailable: ['uyutny-dom'],
    })
  })

  it('answers unknown methods with 404 in the error shape', async () => {
    const res = await fetch(`${crm.origin}/api/v5/orders`, { headers: { 'X-API-KEY': key } })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ success: false })
  })

  it('rejects limits other than 20, 50 and 100 with a 400 validation error', async () => {
    for (const path of ['segments', 'customers', 'customers/history']) {
      for (const limit of [10, 30, 250, 0]) {
        crm.clock.advance(200) // stay under 10 requests/s
        const res = await fetch(`${crm.origin}/api/v5/${path}?limit=${limit}`, {
          headers: { 'X-API-KEY': key },
        })
        expect(res.status, `${path} limit=${limit}`).toBe(400)
        const body = (await res.json()) as { success: boolean; errorMsg: string; errors: object }
        expect(body.success).toBe(false)
        expect(body.errors).toHaveProperty('limit')
      }
      for (const limit of [20, 50, 100]) {
        crm.clock.advance(200)
        const res = await fetch(`${crm.origin}/api/v5/${path}?limit=${limit}`, {
          headers: { 'X-API-KEY': key },
        })
        expect(res.status, `${path} limit=${limit}`).toBe(200)
        expect(((await res.json()) as { pagination: { limit: number } }).pagination.limit).toBe(
          limit
        )
      }
    }
  })

  it('rejects page 0 with a 400 validation error', async () => {
    const res = await fetch(`${crm.origin}/api/v5/customers?page=0`, {
      headers: { 'X-API-KEY': key },
    })
    expect(res.status).toBe(400)
  })

  it('answers a nonexistent account with an HTML 404', async () => {
    const { app } = createRetailCrmEmulator({ shop: 'missing' })
    const res = await app.fetch(new Request('https://x.retailcrm.ru/api/v5/segments'), env)
    expect(res.status).toBe(404)
    expect((await res.text()).startsWith('<')).toBe(true)
  })
})
