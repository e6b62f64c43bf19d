import { describe, expect, it } from 'vitest'
import { installRetailCrm } from '../../support/sandbox-retailcrm'

const form = (body: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body),
})

describe('sandbox control routes and shop page', () => {
  it('changes a customer from a form and redirects back to the shop page', async () => {
    const crm = await installRetailCrm()
    const res = await crm.fetch(
      '/sandbox/customers/42/email',
      form({ email: ' Mixed@Example.COM' })
    )
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toMatch(/^\/sandbox\?done=/)
    const got = await crm.fetch('/sandbox/customers/42')
    expect(await got.json()).toMatchObject({
      customer: { id: 42, email: ' Mixed@Example.COM' },
      removed: false,
    })
  })

  it('answers JSON requests with JSON, and errors in the same shape', async () => {
    const crm = await installRetailCrm()
    const json = (path: string, body: unknown) =>
      crm.fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const del = await json('/sandbox/customers/7/delete', {})
    expect(await del.json()).toMatchObject({ success: true, historyIds: [70_001] })
    const again = await json('/sandbox/customers/7/delete', {})
    expect(again.status).toBe(404)
    expect(await again.json()).toMatchObject({ success: false, errorMsg: 'Customer 7 not found' })
    const key = await json('/sandbox/api-keys', { scopes: ['customer_read'] })
    const { apiKey } = (await key.json()) as { apiKey: string }
    expect(apiKey).toMatch(/^[A-Za-z0-9]{32}$/)
    const badScope = await json('/sandbox/api-keys', { scopes: ['root'] })
    expect(badScope.status).toBe(400)
    const broken = await crm.fetch('/sandbox/customers/8/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    })
    expect(broken.status).toBe(400)
    const state = await crm.fetch('/sandbox/state')
    expect(await state.json()).toMatchObject({ shop: { customers: 69_999 } })
  })

  it('renders the shop page with recalculation buttons for dynamic segments only', async () => {
    const crm = await installRetailCrm()
    const html = await (await crm.fetch('/sandbox')).text()
    expect(html.match(/Пересчитать/g)).toHaveLength(3) // three dynamic demo segments
    expect(html).toContain('не меняется')
  })

  it('refuses history filters the sandbox does not implement instead of ignoring them', async () => {
    const crm = await installRetailCrm()
    const key = await crm.issueKey()
    const res = await fetch(`${crm.origin}/api/v5/customers/history?filter[customerId]=5`, {
      headers: { 'X-API-KEY': key },
    })
    expect(res.status).toBe(400)
  })
})
