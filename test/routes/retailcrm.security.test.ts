/**
 * What an independent probe broke in the marketplace side: an unsigned activity callback that could
 * repoint the CRM address (and so where the CRM key is sent), sign-in hand-offs from any origin
 * (login CSRF), and unbounded replays of the register request.
 */
import { env, exports } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { clientSettings, tenantCrmClient } from '../../src/credentials/clients'
import { createDb } from '../../src/db/client'
import { getTenant } from '../../src/db/queries/tenants'
import { registrations, syncs } from '../../src/db/schema'
import { signRegisterToken } from '../../src/tenants/register-token'
import { REGISTRATIONS_PER_WINDOW } from '../../src/tenants/registrations'
import { fakeCrm } from '../support/fake-crm'
import { makeAccount, makeSync } from '../support/fixtures'
import { outbound } from '../support/outbound'
import { loginAs, makeConnectedTenant } from '../support/session'

const db = () => createDb(env.DB)

function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return exports.default.fetch(`https://module.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  })
}

async function register(systemUrl: string, apiKey: string) {
  const token = await signRegisterToken(env.RETAILCRM_MODULE_SECRET!, apiKey)
  return post('/retailcrm/register', { register: JSON.stringify({ systemUrl, apiKey, token }) })
}

/** Records every request that reaches `origin`; nothing may. */
function trap(origin: string) {
  const seen: { path: string; apiKey: string | null }[] = []
  outbound.route(origin, (req) => {
    seen.push({ path: new URL(req.url).pathname, apiKey: req.headers.get('x-api-key') })
    return new Response('{}', { status: 200 })
  })
  return seen
}

let seq = 0
beforeEach(() => {
  seq++
})

describe('activity callback with a new systemUrl', () => {
  it('keeps the registered address, sends nothing to the new one, and shows the move as pending', async () => {
    const shop = `https://victim-${seq}.retailcrm.ru`
    const attacker = `https://attacker-${seq}.retailcrm.ru`
    const { tenant, clientId, apiKey } = await makeConnectedTenant({ systemUrl: shop })
    const seen = trap(attacker)
    const registered = fakeCrm(shop, { apiKey })
    const res = await post('/retailcrm/activity', {
      clientId,
      systemUrl: attacker,
      activity: JSON.stringify({ active: true, freeze: false }),
    })
    expect(res.status).toBe(200)
    const after = (await getTenant(db(), tenant.id))!
    expect(after.systemUrl).toBe(shop)
    expect(after.pendingSystemUrl).toBe(attacker)

    // The shop's administrators are told inside their CRM — at the registered address.
    expect(registered.calls.map((c) => c.path)).toEqual(['/api/v5/notifications/send'])
    expect(registered.calls[0]!.notification).toMatchObject({
      type: 'warning',
      userGroups: ['superadmins'],
      message: expect.stringContaining(`attacker-${seq}.retailcrm.ru`),
    })

    // Every client the module builds for this tenant talks to the registered address only.
    const crm = fakeCrm(shop, { apiKey })
    await (await tenantCrmClient(clientSettings(env), after)).getCredentials()
    expect(crm.calls).toHaveLength(1)
    expect(seen).toEqual([])

    // A repeated report of the same address is not announced again.
    await post('/retailcrm/activity', {
      clientId,
      systemUrl: attacker,
      activity: JSON.stringify({ active: true, freeze: false }),
    })
    expect(crm.calls.map((c) => c.path)).toEqual(['/api/credentials'])

    // The shop is told, on every page.
    const s = await loginAs(tenant.id)
    const page = await exports.default.fetch('https://module.test/syncs', {
      headers: { cookie: s.cookie, accept: 'text/html' },
    })
    const html = await page.text()
    expect(html).toContain('Адрес RetailCRM изменился')
    expect(html).toContain(`attacker-${seq}.retailcrm.ru`)
  })

  it('a signed registration from the reported address with the same key confirms the move and keeps the syncs', async () => {
    const shop = `https://old-${seq}.retailcrm.ru`
    const moved = `https://new-${seq}.simla.com`
    const apiKey = `same-key-${seq}-abcdef`
    // Connected before key hashes were stored: the move is proven by decrypting the stored key.
    const { tenant, clientId } = await makeConnectedTenant({ systemUrl: shop, apiKey })
    const sync = await makeSync(tenant.id, (await makeAccount(tenant.id)).id)
    // This CRM refuses notifications (scope UNCONFIRMED): the move is still kept pending.
    fakeCrm(shop, {
      notificationError: { status: 403, body: { success: false, errorMsg: 'Access denied' } },
    })
    await post('/retailcrm/activity', {
      clientId,
      systemUrl: moved,
      activity: JSON.stringify({ active: true, freeze: false }),
    })
    expect((await getTenant(db(), tenant.id))!.pendingSystemUrl).toBe(moved)

    const newCrm = fakeCrm(moved)
    const res = await register(moved, apiKey)
    expect(await res.json()).toMatchObject({ success: true })
    expect(newCrm.calls.map((c) => c.path)).toEqual([
      '/api/credentials',
      '/api/v5/integration-modules/unisender-segments/edit',
      '/api/v5/settings',
    ])
    const after = (await getTenant(db(), tenant.id))!
    expect(after.systemUrl).toBe(moved)
    expect(after.pendingSystemUrl).toBeNull()
    expect(await db().select().from(syncs).where(eq(syncs.tenantId, tenant.id))).toEqual([sync])
    const [rec] = await db().select().from(registrations).where(eq(registrations.systemUrl, moved))
    expect(rec).toMatchObject({ outcome: 'moved', tenantId: tenant.id })
  })

  it('a move is recognised by the key even when the activity callback never arrived', async () => {
    const shop = `https://quiet-${seq}.retailcrm.ru`
    const moved = `https://quiet-${seq}.retailcrm.pro`
    fakeCrm(shop)
    await register(shop, `quiet-key-${seq}-abcdef`)
    const [first] = await db().select().from(registrations).where(eq(registrations.systemUrl, shop))
    fakeCrm(moved)
    await register(moved, `quiet-key-${seq}-abcdef`)
    const [second] = await db()
      .select()
      .from(registrations)
      .where(eq(registrations.systemUrl, moved))
    expect(second).toMatchObject({ outcome: 'moved', tenantId: first!.tenantId })
    expect((await getTenant(db(), first!.tenantId!))!.systemUrl).toBe(moved)
  })

  it('a registration from a new address with another key is a new shop, not a move', async () => {
    const shop = `https://keep-${seq}.retailcrm.ru`
    const other = `https://other-${seq}.retailcrm.ru`
    fakeCrm(shop)
    await register(shop, `first-key-${seq}-abcdef`)
    fakeCrm(other)
    await register(other, `second-key-${seq}-abcdef`)
    const rows = await db().select().from(registrations).where(eq(registrations.systemUrl, other))
    expect(rows[0]!.outcome).toBe('connected')
  })
})

describe('sign-in hand-off (login CSRF)', () => {
  it('refuses a hand-off posted from another site: 403, no session cookie', async () => {
    const { clientId } = await makeConnectedTenant()
    const res = await post('/retailcrm/login', { clientId }, { origin: 'https://evil.example' })
    expect(res.status).toBe(403)
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(await res.text()).toContain('Вход не с вашей RetailCRM')
  })

  it('refuses a hand-off that names no origin at all', async () => {
    const { clientId } = await makeConnectedTenant()
    const res = await post('/retailcrm/login', { clientId })
    expect(res.status).toBe(403)
    expect(res.headers.get('set-cookie')).toBeNull()
  })

  it('accepts the hand-off from the tenant own CRM origin, or its page as Referer', async () => {
    const { tenant, clientId } = await makeConnectedTenant({
      systemUrl: `https://handoff-${seq}.retailcrm.ru`,
    })
    const byOrigin = await post('/retailcrm/login', { clientId }, { origin: tenant.systemUrl })
    expect(byOrigin.status).toBe(303)
    expect(byOrigin.headers.get('set-cookie')).toMatch(/usx_session=/)
    const byReferer = await exports.default.fetch(
      `https://module.test/retailcrm/login?clientId=${clientId}`,
      {
        headers: {
          referer: `${tenant.systemUrl}/admin/integration`,
          'sec-fetch-site': 'cross-site',
        },
        redirect: 'manual',
      }
    )
    expect(byReferer.status).toBe(303)
  })

  it('refuses a cross-site GET without Origin or Referer (a link on another site)', async () => {
    const { clientId } = await makeConnectedTenant()
    const res = await exports.default.fetch(`https://module.test/retailcrm/login/${clientId}`, {
      headers: { 'sec-fetch-site': 'cross-site' },
      redirect: 'manual',
    })
    expect(res.status).toBe(403)
  })
})

describe('register replays', () => {
  it(`serves ${REGISTRATIONS_PER_WINDOW} signed registrations of one address per window, then refuses`, async () => {
    const shop = `https://replayed-${seq}.retailcrm.ru`
    const crm = fakeCrm(shop)
    for (let i = 0; i < REGISTRATIONS_PER_WINDOW; i++)
      expect(await (await register(shop, `replayed-key-${seq}-abcdef`)).json()).toMatchObject({
        success: true,
      })
    const callsBefore = crm.calls.length
    const refused = (await (await register(shop, `replayed-key-${seq}-abcdef`)).json()) as {
      success: boolean
      errorMsg: string
    }
    expect(refused.success).toBe(false)
    expect(refused.errorMsg).toMatch(/Слишком много подключений.*через \d+ мин/)
    // Refused before anything: no call to the CRM, no clientId rotated.
    expect(crm.calls.length).toBe(callsBefore)
    const outcomes = (
      await db().select().from(registrations).where(eq(registrations.systemUrl, shop))
    ).map((r) => r.outcome)
    expect(outcomes.filter((o) => o === 'rate_limited')).toHaveLength(1)
  })

  it('does not record (or count) registrations whose token is wrong', async () => {
    const shop = `https://forged-${seq}.retailcrm.ru`
    for (let i = 0; i < REGISTRATIONS_PER_WINDOW + 2; i++) {
      const res = await post('/retailcrm/register', {
        register: JSON.stringify({ systemUrl: shop, apiKey: 'k-123456', token: 'f'.repeat(64) }),
      })
      expect(res.status).toBe(401)
    }
    expect(
      await db().select().from(registrations).where(eq(registrations.systemUrl, shop))
    ).toEqual([])
  })
})
