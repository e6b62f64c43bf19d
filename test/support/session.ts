/**
 * Signing in and connecting tenants in tests, through the module's own code (not by hand-made rows),
 * so route tests of every area exercise the real session and CSRF checks.
 *
 *   const t = await makeConnectedTenant({ systemUrl: 'https://shop.retailcrm.ru' })
 *   const s = await loginAs(t.tenant.id)
 *   await exports.default.fetch('https://module.test/syncs', { method: 'POST', headers: s.headers, body })
 */
import { env } from 'cloudflare:workers'
import { createDb } from '../../src/db/client'
import { createSession } from '../../src/db/queries/sessions'
import { nextTenantId } from '../../src/db/queries/tenants'
import { tenants } from '../../src/db/schema'
import { cookieName, SESSION_COOKIE, secureCookies } from '../../src/http/cookies'
import { encryptSecret, importKey, randomToken, secretAad, sha256Hex } from '../../src/lib/crypto'

export interface TestSession {
  /** The Cookie header value carrying the session. */
  cookie: string
  csrfToken: string
  /** `cookie` + `x-csrf-token`: enough for any state-changing request of a signed-in person. */
  headers: Record<string, string>
}

/**
 * Creates a real session for the tenant. `now` backdates it (e.g. to test expiry); by default the
 * session is fresh.
 */
export async function loginAs(tenantId: number, opts: { now?: number } = {}): Promise<TestSession> {
  const db = createDb(env.DB)
  const s = await createSession(db, tenantId, opts.now ?? Date.now())
  const cookie = `${cookieName(SESSION_COOKIE, secureCookies(env.APP_ENV))}=${s.token}`
  return { cookie, csrfToken: s.csrfToken, headers: { cookie, 'x-csrf-token': s.csrfToken } }
}

/**
 * Inserts a connected tenant whose CRM key is really encrypted (so getTenantCrmClient works) and
 * whose clientId is known (so /retailcrm/login and the callbacks accept it).
 */
export async function makeConnectedTenant(
  opts: {
    systemUrl?: string
    apiKey?: string
    clientId?: string
    overrides?: Partial<typeof tenants.$inferInsert>
  } = {}
) {
  const db = createDb(env.DB)
  const id = await nextTenantId(db)
  const apiKey = opts.apiKey ?? `crm-key-${randomToken(8)}`
  const clientId = opts.clientId ?? randomToken(32)
  const key = await importKey(env.ENCRYPTION_KEY!)
  const now = Date.now()
  const [tenant] = await db
    .insert(tenants)
    .values({
      id,
      systemUrl: opts.systemUrl ?? `https://shop${id}.retailcrm.ru`,
      crmApiKeyEnc: await encryptSecret(key, apiKey, secretAad.crmKey(id)),
      clientIdHash: await sha256Hex(clientId),
      createdAt: now,
      updatedAt: now,
      ...opts.overrides,
    })
    .returning()
  return { tenant: tenant!, apiKey, clientId }
}
