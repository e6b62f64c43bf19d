/**
 * The CRM's side of the marketplace "simple connection" (docs/retailcrm.md §1a) and of the activity
 * callback (§1c): fetch the module's configUrl, create an API key with the requested scopes, POST
 * `register` = JSON {systemUrl, apiKey, token} with token = hex(HMAC-SHA256(secret, apiKey)), read
 * `{success, accountUrl}` and the clientId the module stored through integration-modules/edit.
 * Takes plain inputs (db, fetch, clock) so tests drive it against a fake module.
 */
import { z } from 'zod'
import {
  ALL_SCOPES,
  findModuleByKey,
  issueKey,
  revokeKey,
  type StoredModule,
  saveModule,
} from '../retailcrm/keys'

/** hex(HMAC-SHA256(key = secret, msg = apiKey)), as PHP's hash_hmac('sha256', $apiKey, $secret). */
export async function registerToken(secret: string, apiKey: string): Promise<string> {
  const enc = new TextEncoder()
  const key = await crypto.subtle.importKey(
    'raw',
    enc.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign']
  )
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(apiKey)))
  return [...sig].map((b) => b.toString(16).padStart(2, '0')).join('')
}

const configSchema = z.object({
  success: z.literal(true),
  scopes: z.array(z.string()).min(1),
  registerUrl: z.url(),
})

const registerAnswer = z.object({
  success: z.boolean(),
  accountUrl: z.string().optional(),
  errorMsg: z.string().optional(),
})

export interface ConnectInput {
  db: D1Database
  shop: string
  systemUrl: string
  moduleUrl: string
  secret: string
  now: number
  fetch?: typeof fetch
}

export type ConnectResult =
  | { ok: true; accountUrl: string; clientId: string; module: StoredModule; scopes: string[] }
  | {
      ok: false
      step: 'config' | 'register' | 'edit'
      message: string
      status?: number
      body?: string
    }

async function readJson(res: Response): Promise<{ json: unknown; text: string }> {
  const text = await res.text()
  try {
    return { json: JSON.parse(text), text }
  } catch {
    return { json: undefined, text }
  }
}

/** Runs the whole simple connection for one shop. */
export async function connect(input: ConnectInput): Promise<ConnectResult> {
  const doFetch = input.fetch ?? fetch
  const configUrl = `${input.moduleUrl.replace(/\/$/, '')}/retailcrm/config`
  let cfgRes: Response
  try {
    cfgRes = await doFetch(configUrl)
  } catch (err) {
    return { ok: false, step: 'config', message: `${configUrl}: ${(err as Error).message}` }
  }
  const cfg = await readJson(cfgRes)
  const parsed = configSchema.safeParse(cfg.json)
  if (!cfgRes.ok || !parsed.success) {
    return {
      ok: false,
      step: 'config',
      message: `${configUrl} не вернул {success, scopes, registerUrl}`,
      status: cfgRes.status,
      body: cfg.text.slice(0, 2000),
    }
  }
  const unknown = parsed.data.scopes.filter((s) => !(ALL_SCOPES as readonly string[]).includes(s))
  if (unknown.length > 0) {
    return {
      ok: false,
      step: 'config',
      message: `Неизвестные права доступа: ${unknown.join(', ')}`,
    }
  }
  const apiKey = await issueKey(input.db, input.shop, parsed.data.scopes, input.now)
  const result = await register(input, doFetch, apiKey, parsed.data)
  // UNCONFIRMED what the real CRM does with the key of a failed connection; dropping it is safe.
  if (!result.ok) await revokeKey(input.db, apiKey)
  return result
}

async function register(
  input: ConnectInput,
  doFetch: typeof fetch,
  apiKey: string,
  config: z.infer<typeof configSchema>
): Promise<ConnectResult> {
  const token = await registerToken(input.secret, apiKey)
  const payload = JSON.stringify({ systemUrl: input.systemUrl, apiKey, token })
  let regRes: Response
  try {
    regRes = await doFetch(config.registerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ register: payload }),
    })
  } catch (err) {
    return {
      ok: false,
      step: 'register',
      message: `${config.registerUrl}: ${(err as Error).message}`,
    }
  }
  const reg = await readJson(regRes)
  const answer = registerAnswer.safeParse(reg.json)
  if (!answer.success || !answer.data.success || !answer.data.accountUrl) {
    const message = answer.success
      ? (answer.data.errorMsg ?? 'Модуль не вернул accountUrl')
      : 'Ответ модуля — не JSON {success, accountUrl}'
    return {
      ok: false,
      step: 'register',
      message,
      status: regRes.status,
      body: reg.text.slice(0, 2000),
    }
  }
  const module = await findModuleByKey(input.db, input.shop, apiKey)
  const clientId = module?.data.clientId
  if (!module || typeof clientId !== 'string') {
    return {
      ok: false,
      step: 'edit',
      message:
        'Модуль не зарегистрировался в CRM (не вызвал /api/v5/integration-modules/{code}/edit с новым ключом)',
    }
  }
  return {
    ok: true,
    accountUrl: answer.data.accountUrl,
    clientId,
    module,
    scopes: config.scopes,
  }
}

export const ACTIVITY = {
  deactivate: { active: false, freeze: false },
  freeze: { active: true, freeze: true },
  reactivate: { active: true, freeze: false },
} as const

export type ActivityAction = keyof typeof ACTIVITY

/** Sets the module's state in the CRM and tells the module: POST {baseUrl}{actions.activity}. */
export async function sendActivity(input: {
  db: D1Database
  shop: string
  systemUrl: string
  module: StoredModule
  action: ActivityAction
  now: number
  fetch?: typeof fetch
}): Promise<{ url: string; status: number; body: string } | { error: string }> {
  const { data } = input.module
  const actions = (data.actions ?? {}) as Record<string, string>
  if (typeof data.baseUrl !== 'string' || !actions.activity) {
    return { error: 'Модуль не указал baseUrl и actions.activity' }
  }
  const activity = ACTIVITY[input.action]
  await saveModule(
    input.db,
    input.shop,
    input.module.code,
    input.module.apiKey,
    { ...data, ...activity },
    input.now
  )
  const url = `${data.baseUrl.replace(/\/$/, '')}${actions.activity}`
  try {
    const res = await (input.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        clientId: String(data.clientId ?? ''),
        systemUrl: input.systemUrl,
        activity: JSON.stringify(activity),
      }),
    })
    return { url, status: res.status, body: (await res.text()).slice(0, 2000) }
  } catch (err) {
    return { error: `${url}: ${(err as Error).message}` }
  }
}
