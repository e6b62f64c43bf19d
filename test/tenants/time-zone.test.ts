/**
 * The shop's time zone (#13 point 14): read from the CRM at connect and at the first sign-in of a
 * shop connected before, best effort, and used for every time the UI shows, with the zone said.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { getTenant } from '../../src/db/queries/tenants'
import { isKnownTimeZone, readCrmTimeZone } from '../../src/tenants/time-zone'
import { fakeCrm } from '../support/fake-crm'
import { handoff, register, tenantByUrl } from '../support/marketplace'
import { makeConnectedTenant } from '../support/world'

let seq = 0
const shop = () => `https://tz-${++seq}-${Date.now()}.retailcrm.ru`

describe('readCrmTimeZone', () => {
  const crm = (answer: () => Promise<{ timezone?: { value: string } }>) => ({
    getSettings: answer,
  })

  it('returns the zone the CRM names', async () => {
    expect(
      await readCrmTimeZone(crm(async () => ({ timezone: { value: 'Asia/Yekaterinburg' } })))
    ).toBe('Asia/Yekaterinburg')
  })

  it.each([
    ['a zone nobody knows', async () => ({ timezone: { value: 'Mars/Olympus' } })],
    ['markup', async () => ({ timezone: { value: '<b>x</b>' } })],
    ['no zone', async () => ({})],
    [
      'a refusal',
      async () => {
        throw new Error('403')
      },
    ],
  ])('returns null for %s', async (_n, answer) => {
    expect(await readCrmTimeZone(crm(answer))).toBeNull()
  })

  it('knows the IANA names the runtime formats in', () => {
    expect(isKnownTimeZone('Europe/Moscow')).toBe(true)
    expect(isKnownTimeZone('Europe/Nowhere')).toBe(false)
  })
})

describe('the time zone of a connected shop', () => {
  it('is read when the shop connects', async () => {
    const url = shop()
    fakeCrm(url, { timeZone: 'Asia/Novosibirsk' })
    const res = await register({ systemUrl: url, apiKey: 'crm-key-tz-1234567890' })
    expect(await res.json()).toMatchObject({ success: true })
    expect((await tenantByUrl(url))!.timeZone).toBe('Asia/Novosibirsk')
  })

  it('stays unknown when the CRM does not answer it, and the connection still succeeds', async () => {
    const url = shop()
    fakeCrm(url, { timeZone: null })
    const res = await register({ systemUrl: url, apiKey: 'crm-key-tz-0987654321' })
    expect(await res.json()).toMatchObject({ success: true })
    expect((await tenantByUrl(url))!.timeZone).toBeNull()
  })

  it('a shop connected before learns it at its next sign-in', async () => {
    const url = shop()
    const crm = fakeCrm(url, { timeZone: 'Asia/Vladivostok' })
    const { tenant, clientId } = await makeConnectedTenant({
      systemUrl: url,
      overrides: { timeZone: null },
    })
    const res = await handoff(clientId, url)
    expect(res.status).toBe(303)
    // Learnt after the answer (waitUntil): wait for the CRM call and the write.
    await expect
      .poll(async () => (await getTenant(createDb(env.DB), tenant.id))!.timeZone)
      .toBe('Asia/Vladivostok')
    expect(crm.calls.map((c) => c.path)).toEqual(['/api/v5/settings'])
  })
})
