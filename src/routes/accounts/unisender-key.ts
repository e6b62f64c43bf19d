/**
 * Checking a Unisender key before it is saved, and building the client of a saved account. Domain
 * code: takes env values, never a Hono context.
 */
import { ApiError } from '../../clients/errors'
import { createUnisenderClient, type UserInfo } from '../../clients/unisender'
import { getConfig } from '../../config'
import type { UnisenderAccount } from '../../db/schema'
import type { Env } from '../../env'
import { decryptSecret, importKey, secretAad } from '../../lib/crypto'

export type Plan = { total?: number; used?: number }

export type KeyCheck =
  | { ok: true; testMode: boolean; plan: Plan }
  | { ok: false; reason: 'invalid_key' | 'access_denied' | 'unreachable'; message: string }

/**
 * Test mode: UNCONFIRMED how Unisender reports it. We read getUserInfo's `api_mode` and treat any
 * value containing "test" as test mode (the sandbox answers 'test'; a live account 'on').
 */
export function isTestMode(info: UserInfo): boolean {
  return typeof info.api_mode === 'string' && info.api_mode.toLowerCase().includes('test')
}

/** Plan limit and usage from getUserInfo (meaning of subscribers_* UNCONFIRMED, see the client). */
export function planOf(info: UserInfo): Plan {
  return { total: info.subscribers_total, used: info.subscribers_used }
}

/** Asks Unisender about a key: valid, valid but in test mode, or why not. */
export async function checkUnisenderKey(env: Env, apiKey: string): Promise<KeyCheck> {
  const client = createUnisenderClient({
    apiUrl: getConfig(env).UNISENDER_API_URL,
    apiKey,
    timeoutMs: 15_000,
  })
  try {
    const info = await client.getUserInfo()
    return { ok: true, testMode: isTestMode(info), plan: planOf(info) }
  } catch (err) {
    if (err instanceof ApiError && err.code === 'invalid_api_key')
      return { ok: false, reason: 'invalid_key', message: err.message }
    if (err instanceof ApiError && err.code === 'access_denied')
      return { ok: false, reason: 'access_denied', message: err.message }
    return { ok: false, reason: 'unreachable', message: errorText(err) }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : 'unknown error'
}

/** The Unisender client of a saved account (key decrypted in memory only). */
export async function accountClient(env: Env, account: UnisenderAccount) {
  const cfg = getConfig(env)
  const key = await importKey(cfg.ENCRYPTION_KEY)
  const apiKey = await decryptSecret(
    key,
    account.apiKeyEnc,
    secretAad.unisenderKey(account.tenantId, account.id)
  )
  return createUnisenderClient({ apiUrl: cfg.UNISENDER_API_URL, apiKey, timeoutMs: 15_000 })
}

/** Plan numbers of a saved account for its card, or a short reason they are missing. */
export async function accountPlan(
  env: Env,
  account: UnisenderAccount
): Promise<Plan | { error: string }> {
  try {
    return planOf(await (await accountClient(env, account)).getUserInfo())
  } catch (err) {
    return { error: errorText(err) }
  }
}
