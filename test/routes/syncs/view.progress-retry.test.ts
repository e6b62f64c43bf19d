/**
 * GET /syncs/:id/progress carries the "waiting to retry at HH:MM" label of a run whose step backs
 * off (issue #16, point 6), so the live page (public/static/app.js) shows it without a reload, and
 * the sync page shows it from the start.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { makeAccount, makeRun, makeSync } from '../../support/fixtures'
import { get } from '../../support/requests'
import { loginAs, makeConnectedTenant } from '../../support/session'

/** HH:MM in Moscow time with the zone said, as the UI shows times. */
const clock = (ms: number) =>
  `${new Intl.DateTimeFormat('ru-RU', { timeStyle: 'short', timeZone: 'Europe/Moscow' }).format(ms)} МСК`

describe('live progress of a run that waits for a retry', () => {
  it('says until when it waits, in the JSON and on the page', async () => {
    vi.spyOn(env.SYNC_QUEUE, 'send').mockImplementation(async () => ({}) as QueueSendResponse)
    const tenantId = (await makeConnectedTenant()).tenant.id
    const s = await loginAs(tenantId)
    const account = await makeAccount(tenantId, { login: 'shop' })
    const sync = await makeSync(tenantId, account.id, { segmentName: 'VIP', listTitle: 'Клиенты' })
    const retryAt = Date.now() + 14 * 60_000
    await makeRun(tenantId, sync.id, {
      status: 'running',
      phase: 'read_crm',
      progressDone: 3,
      progressTotal: 12,
      counts: JSON.stringify({ readFromCrm: 300 }),
      cursor: JSON.stringify({ v: 2, retryAt, crmTotal: 1200 }),
    })
    const label = `Чтение RetailCRM: 300 из 1${'\u00a0'}200 покупателей · Ожидание повтора до ${clock(retryAt)}`
    const res = await get(s, `/syncs/${sync.id}/progress`, { accept: 'application/json' })
    expect(await res.json()).toMatchObject({
      active: true,
      status: 'running',
      done: 3,
      total: 12,
      label,
    })
    expect(await (await get(s, `/syncs/${sync.id}`)).text()).toContain(label)
  })
})
