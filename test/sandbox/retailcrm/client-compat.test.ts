import { describe, expect, it } from 'vitest'
import { createRetailCrmClient } from '../../../src/clients/retailcrm'
import { installRetailCrm } from '../../support/sandbox-retailcrm'

/** The module's own client must read everything the emulator serves (and vice versa). */
describe('the module client against the emulator', () => {
  it('reads credentials, segments, a whole segment and its history', async () => {
    const crm = await installRetailCrm()
    const client = createRetailCrmClient({
      systemUrl: crm.systemUrl,
      apiKey: await crm.issueKey(),
      limiter: { acquire: async () => crm.clock.advance(100) },
    })
    expect((await client.getCredentials()).scopes).toContain('customer_read')
    const segs = await client.listSegments()
    expect(segs.segments.find((s) => s.code === 'postoyannye')?.customersCount).toBe(5000)
    const ids: number[] = []
    for (let page = 1; ; page++) {
      const p = await client.listCustomers({ segment: 'novye-pokupateli', page, limit: 20 })
      ids.push(...p.customers.map((c) => c.id))
      if (page >= p.pagination.totalPageCount) break
    }
    expect(new Set(ids).size).toBe(100)
    await crm.recalculate('novye-pokupateli', { remove: 1, add: 1 })
    await crm.merge(4, 5)
    const h = await client.customersHistory({ sinceId: 70_000 })
    expect(h.history.map((r) => r.field)).toEqual(['segments', 'segments', 'id'])
    expect(h.history[2]?.combinedTo?.id).toBe(5)
  })

  it('gets classified errors: wrong key → auth, rate limit → retryable, bad limit → fatal', async () => {
    const crm = await installRetailCrm()
    const bad = createRetailCrmClient({ systemUrl: crm.systemUrl, apiKey: 'wrong' })
    await expect(bad.listSegments()).rejects.toMatchObject({ kind: 'auth' })
    const key = await crm.issueKey()
    const client = createRetailCrmClient({ systemUrl: crm.systemUrl, apiKey: key })
    crm.faults.set({ rateLimited: 1 })
    await expect(client.listSegments()).rejects.toMatchObject({ kind: 'retryable' })
    crm.faults.set({ errors: 1 })
    await expect(client.listSegments()).rejects.toMatchObject({ kind: 'retryable' })
    crm.clock.advance(2000)
    await expect(client.listSegments({ limit: 250 as 100 })).rejects.toMatchObject({
      kind: 'fatal',
    })
  })
})
