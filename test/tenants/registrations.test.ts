/** The per-address allowance of signed registrations, and the record kept of them. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import {
  REGISTRATION_HISTORY_MS,
  REGISTRATION_WINDOW_MS,
  REGISTRATIONS_PER_WINDOW,
  recentRegistrations,
  recordRegistration,
  registrationAllowance,
} from '../../src/tenants/registrations'

const db = () => createDb(env.DB)
const URL_A = 'https://rate-a.retailcrm.ru'

describe('registrationAllowance', () => {
  it('serves a few registrations per address, then says how long to wait', async () => {
    const t0 = 1_000_000_000
    for (let i = 0; i < REGISTRATIONS_PER_WINDOW; i++) {
      expect(await registrationAllowance(db(), URL_A, t0 + i * 60_000)).toEqual({ ok: true })
      await recordRegistration(db(), {
        systemUrl: URL_A,
        outcome: 'reconnected',
        now: t0 + i * 60_000,
      })
    }
    const now = t0 + REGISTRATIONS_PER_WINDOW * 60_000
    // The oldest leaves the window at t0 + 10 min: 5 minutes from now.
    expect(await registrationAllowance(db(), URL_A, now)).toEqual({ ok: false, retryInMinutes: 5 })
    // Another address is not affected.
    expect(await registrationAllowance(db(), 'https://rate-b.retailcrm.ru', now)).toEqual({
      ok: true,
    })
    // Once the oldest left the window, one more is served.
    expect(await registrationAllowance(db(), URL_A, t0 + REGISTRATION_WINDOW_MS + 1)).toEqual({
      ok: true,
    })
  })

  it('does not count refusals for exceeding the limit (they would extend the wait for ever)', async () => {
    const url = 'https://rate-c.retailcrm.ru'
    const t0 = 2_000_000_000
    for (let i = 0; i < 20; i++)
      await recordRegistration(db(), { systemUrl: url, outcome: 'rate_limited', now: t0 + i })
    expect(await registrationAllowance(db(), url, t0 + 30)).toEqual({ ok: true })
  })
})

describe('recordRegistration', () => {
  it('keeps the history for 30 days and the newest first', async () => {
    const url = 'https://rate-d.retailcrm.ru'
    const t0 = 3_000_000_000_000
    await recordRegistration(db(), { systemUrl: url, outcome: 'connected', tenantId: 7, now: t0 })
    await recordRegistration(db(), {
      systemUrl: url,
      outcome: 'reconnected',
      tenantId: 7,
      now: t0 + REGISTRATION_HISTORY_MS + 1,
    })
    const rows = (await recentRegistrations(db())).filter((r) => r.systemUrl === url)
    expect(rows.map((r) => r.outcome)).toEqual(['reconnected'])
  })
})
