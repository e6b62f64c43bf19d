/**
 * The alert pass (src/alerts/notify.ts) end to end on the sandbox emulators: real runs fail, wait
 * for confirmation or lose their Unisender key; each change of state sends exactly one notification
 * to the sandbox CRM and shows one banner, the first success after it sends one recovery, and
 * repeated passes (ticks) send nothing more. Mute, chosen events and recipients, and a CRM that
 * refuses are covered too.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { alertDepsFromEnv } from '../../src/alerts/deps'
import { runAlerts } from '../../src/alerts/notify'
import { syncs, tenants } from '../../src/db/schema'
import { listNotifications } from '../../src/sandbox/retailcrm/notifications'
import { confirmRun } from '../../src/sync/control'
import { fakeCrm } from '../support/fake-crm'
import { makeAccount, makeRun, makeSync } from '../support/fixtures'
import { get } from '../support/requests'
import { loginAs } from '../support/session'
import {
  makeConnectedAccount,
  makeConnectedTenant,
  makeWorld,
  smallShop,
  type World,
} from '../support/world'

const pass = () => runAlerts(alertDepsFromEnv(env))
const sent = (w: World) => listNotifications(env.SANDBOX_DB, w.crm.shopCode, 100)

/** The banner of the sync list: how many attention banners, and the links in them. */
async function banner(w: World) {
  const html = await (await get(await loginAs(w.tenant.id), '/syncs')).text()
  const box = /<ul class="attention">([\s\S]*?)<\/ul>/g
  const boxes = [...html.matchAll(box)]
  return {
    count: boxes.length,
    links: boxes.flatMap((m) => [...m[1]!.matchAll(/href="(\/syncs\/\d+)"/g)].map((l) => l[1])),
    html,
  }
}

/** A list of 200 strangers and a segment of 10: exact mode would remove 200 of 200. */
async function heldWorld() {
  const w = await makeWorld({ shop: smallShop(20, { size: 10 }, false), mode: 'exact' })
  await w.uni.seedContacts(
    w.account,
    Array.from({ length: 200 }, (_, i) => ({ email: `old${i}@example.org`, lists: [w.listId] }))
  )
  return w
}

describe('one alert per change of state', () => {
  it('a guarded run: one warning and one banner, however many ticks; confirming sends one recovery', async () => {
    const w = await heldWorld()
    const runId = await w.startAndDrain()
    expect((await w.run(runId)).status).toBe('needs_confirmation')
    await pass()
    await pass()
    let got = await sent(w)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ type: 'warning', userGroups: ['superadmins'] })
    expect(got[0]!.message).toContain('«VIP → Seg list»')
    expect(got[0]!.message).toContain('ждёт подтверждения')
    expect(got[0]!.message).toContain(`https://module.test/syncs/${w.sync.id}`)
    const b = await banner(w)
    expect(b.count).toBe(1)
    expect(b.links).toEqual([`/syncs/${w.sync.id}`])

    await confirmRun({ db: w.db, queue: w.queue, now: () => 0 }, { tenantId: w.tenant.id, runId })
    await w.drain()
    expect((await w.run(runId)).status).toBe('done')
    await pass()
    await pass()
    got = await sent(w)
    expect(got).toHaveLength(2)
    expect(got[0]).toMatchObject({ type: 'info' })
    expect(got[0]!.message).toContain('снова работает')
    expect((await banner(w)).count).toBe(0)
  })

  it('a run that fails on every tick sends one error; the first success sends one recovery', async () => {
    const w = await makeWorld({
      shop: smallShop(50, { size: 40 }, false),
      account: { contactLimit: 25 },
    })
    for (let i = 0; i < 3; i++) {
      const run = await w.run(await w.startAndDrain())
      expect(run.errorCode).toBe('plan_limit')
      await pass()
    }
    let got = await sent(w)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ type: 'error' })
    expect(got[0]!.message).toContain('не удалась')
    expect(got[0]!.message).toMatch(/15 are missing/)
    expect((await banner(w)).count).toBe(1)

    await w.uni.updateAccount(w.account, { contactLimit: 1000 })
    expect((await w.run(await w.startAndDrain())).status).toBe('done')
    await pass()
    got = await sent(w)
    expect(got.map((n) => n.type)).toEqual(['info', 'error'])
    expect((await banner(w)).count).toBe(0)
  })

  it('a broken Unisender key: one error naming the key, one banner; a working key again: one recovery', async () => {
    const w = await makeWorld({ shop: smallShop(20, { size: 10 }, false), mode: 'union' })
    expect((await w.run(await w.startAndDrain())).status).toBe('done')
    await pass()
    expect(await sent(w)).toHaveLength(0) // success with nothing before it: nothing to say

    const wrong = await makeConnectedAccount(w.tenant.id, { apiKey: 'not-a-valid-key' })
    const good = w.sync.unisenderAccountId
    await w.db.update(syncs).set({ unisenderAccountId: wrong.id }).where(eq(syncs.id, w.sync.id))
    for (let i = 0; i < 2; i++) {
      expect((await w.run(await w.startAndDrain())).errorCode).toBe('unisender_auth')
      await pass()
    }
    let got = await sent(w)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ type: 'error' })
    expect(got[0]!.message).toContain('Unisender отказал в доступе')
    const b = await banner(w)
    expect(b.count).toBe(1)
    expect(b.html).toContain('Unisender не принимает ключ API')

    await w.db.update(syncs).set({ unisenderAccountId: good }).where(eq(syncs.id, w.sync.id))
    expect((await w.run(await w.startAndDrain())).status).toBe('done')
    await pass()
    got = await sent(w)
    expect(got.map((n) => n.type)).toEqual(['info', 'error'])
  })

  it('writes in English when the CRM said English', async () => {
    const w = await heldWorld()
    await w.db.update(tenants).set({ locale: 'en' }).where(eq(tenants.id, w.tenant.id))
    await w.startAndDrain()
    await pass()
    const [n] = await sent(w)
    expect(n!.message).toContain('is waiting for confirmation')
  })
})

describe('settings', () => {
  it('a muted sync records its state but sends nothing; the banner still shows', async () => {
    const w = await heldWorld()
    await w.db.update(syncs).set({ alertMuted: true }).where(eq(syncs.id, w.sync.id))
    await w.startAndDrain()
    const report = await pass()
    expect(report.silent).toBeGreaterThanOrEqual(1)
    expect(await sent(w)).toHaveLength(0)
    expect((await w.syncRow()).alertState).toBe('confirm')
    expect((await banner(w)).count).toBe(1)
    // Unmuting later does not replay the old change.
    await w.db.update(syncs).set({ alertMuted: false }).where(eq(syncs.id, w.sync.id))
    await pass()
    expect(await sent(w)).toHaveLength(0)
  })

  it('sends to the chosen CRM users, and only the chosen events', async () => {
    const w = await heldWorld()
    await w.db
      .update(tenants)
      .set({ notifyUserIds: '7,12', notifyEvents: 'failed,recovered' })
      .where(eq(tenants.id, w.tenant.id))
    const runId = await w.startAndDrain()
    await pass()
    expect(await sent(w)).toHaveLength(0) // 'confirm' not chosen
    await confirmRun({ db: w.db, queue: w.queue, now: () => 0 }, { tenantId: w.tenant.id, runId })
    await w.drain()
    await pass()
    const got = await sent(w)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ type: 'info', userIds: [7, 12] })
    expect(got[0]!.userGroups).toBeUndefined()
  })

  it('a CRM that refuses: the refusal is recorded and shown, the state is not re-sent', async () => {
    const { tenant } = await makeConnectedTenant()
    const crm = fakeCrm(tenant.systemUrl, {
      notificationError: { status: 403, body: { success: false, errorMsg: 'Access denied' } },
    })
    const account = await makeAccount(tenant.id)
    const sync = await makeSync(tenant.id, account.id, { segmentName: 'VIP', listTitle: 'Клиенты' })
    await makeRun(tenant.id, sync.id, {
      status: 'failed',
      errorCode: 'unisender_error',
      errorMessage: 'Boom.',
      finishedAt: 1,
    })
    const report = await pass()
    expect(report.refused).toBe(1)
    await pass()
    expect(crm.calls.filter((c) => c.path === '/api/v5/notifications/send')).toHaveLength(1)
    const [row] = await (await import('../support/fixtures'))
      .testDb()
      .then((db) => db.select().from(tenants).where(eq(tenants.id, tenant.id)))
    expect(row!.notifyError).toMatch(/Access denied/)
    const s = await loginAs(tenant.id)
    const page = await (await get(s, '/notifications')).text()
    expect(page).toContain('Access denied')
    const list = await (await get(s, '/syncs')).text()
    expect(list).toContain('RetailCRM не приняла уведомление модуля')
  })
})

describe('the CRM connection', () => {
  it('a refused CRM key is announced once for the tenant, and its repair once', async () => {
    const { tenant } = await makeConnectedTenant()
    const crm = fakeCrm(tenant.systemUrl)
    const db = await (await import('../support/fixtures')).testDb()
    const account = await makeAccount(tenant.id)
    const sync = await makeSync(tenant.id, account.id)
    await makeRun(tenant.id, sync.id, { status: 'failed', errorCode: 'crm_auth', finishedAt: 1 })
    await db.update(tenants).set({ brokenReason: 'refused' }).where(eq(tenants.id, tenant.id))
    await pass()
    await pass()
    const notes = () => crm.calls.filter((c) => c.notification).map((c) => c.notification!)
    expect(notes()).toHaveLength(1)
    expect(notes()[0]).toMatchObject({ type: 'error' })
    expect(String(notes()[0]!.message)).toContain('RetailCRM отказала в доступе')
    await db.update(tenants).set({ brokenReason: null }).where(eq(tenants.id, tenant.id))
    await pass()
    await pass()
    expect(notes()).toHaveLength(2)
    expect(notes()[1]).toMatchObject({ type: 'info' })
  })
})
