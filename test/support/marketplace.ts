/**
 * Shared by the /retailcrm route tests (routes/retailcrm.*.test.ts): the requests RetailCRM and its
 * marketplace send (register, activity, sign-in hand-off), and table readers.
 */
import { env, exports } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { createApp } from '../../src/app'
import { createDb } from '../../src/db/client'
import { sessions, tenants } from '../../src/db/schema'
import { signRegisterToken } from '../../src/tenants/register-token'

export const SECRET = env.RETAILCRM_MODULE_SECRET!

/**
 * POSTs a url-encoded form to the module (through the real Worker, or an app with `envOverride`).
 * `headers` adds request headers, e.g. the Origin a sign-in hand-off needs.
 */
export function postForm(
  path: string,
  form: Record<string, string>,
  envOverride?: Record<string, string | undefined>,
  headers: Record<string, string> = {}
): Promise<Response> {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual' as const,
  }
  const url = `https://module.test${path}`
  return envOverride
    ? Promise.resolve(createApp().request(url, init, { ...env, ...envOverride }))
    : exports.default.fetch(url, init)
}

/** A register request as the CRM sends it, signed with the partner secret unless `token` is given. */
export async function register(
  payload: { systemUrl: string; apiKey: string; token?: string },
  envOverride?: Record<string, string | undefined>
): Promise<Response> {
  const token = payload.token ?? (await signRegisterToken(SECRET, payload.apiKey))
  return postForm(
    '/retailcrm/register',
    { register: JSON.stringify({ systemUrl: payload.systemUrl, apiKey: payload.apiKey, token }) },
    envOverride
  )
}

/** The sign-in hand-off as the tenant's CRM sends it: a form posted from a page of its origin. */
export function handoff(clientId: string, systemUrl: string, path = '/retailcrm/login') {
  return postForm(path, { clientId }, undefined, { origin: new URL(systemUrl).origin })
}

export async function allTenants() {
  return createDb(env.DB).select().from(tenants)
}

export async function tenantByUrl(systemUrl: string) {
  const [row] = await createDb(env.DB)
    .select()
    .from(tenants)
    .where(eq(tenants.systemUrl, systemUrl))
  return row
}

export async function sessionsOf(tenantId: number) {
  return createDb(env.DB).select().from(sessions).where(eq(sessions.tenantId, tenantId))
}
