/**
 * Checking a Unisender key before it is saved, and the plan numbers of a saved account. Domain
 * code: takes client settings, never a Hono context; clients come from src/credentials.
 */
import { ApiError } from '../clients/errors'
import type { UserInfo } from '../clients/unisender'
import {
  accountUnisenderClient,
  type ClientSettings,
  type UnisenderCredentials,
  unisenderClientForKey,
} from '../credentials/clients'
import { errorText } from '../lib/error-text'

/** Interactive requests wait at most this long for Unisender (a person is waiting). */
export const INTERACTIVE_TIMEOUT_MS = 15_000

export type Plan = { total?: number; used?: number }

export type KeyCheck =
  | { ok: true; testMode: boolean; plan: Plan; login?: string }
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
export async function checkUnisenderKey(
  settings: ClientSettings,
  apiKey: string
): Promise<KeyCheck> {
  const client = unisenderClientForKey(settings, apiKey, { timeoutMs: INTERACTIVE_TIMEOUT_MS })
  try {
    const info = await client.getUserInfo()
    return { ok: true, testMode: isTestMode(info), plan: planOf(info), login: info.login }
  } catch (err) {
    if (err instanceof ApiError && err.code === 'invalid_api_key')
      return { ok: false, reason: 'invalid_key', message: err.message }
    if (err instanceof ApiError && err.code === 'access_denied')
      return { ok: false, reason: 'access_denied', message: err.message }
    return { ok: false, reason: 'unreachable', message: errorText(err) }
  }
}

/** The Unisender client of a saved account, for a request a person waits on. */
export function accountClient(settings: ClientSettings, account: UnisenderCredentials) {
  return accountUnisenderClient(settings, account, { timeoutMs: INTERACTIVE_TIMEOUT_MS })
}

/** Plan numbers of a saved account for its card, or a short reason they are missing. */
export async function accountPlan(
  settings: ClientSettings,
  account: UnisenderCredentials
): Promise<Plan | { error: string }> {
  try {
    return planOf(await (await accountClient(settings, account)).getUserInfo())
  } catch (err) {
    return { error: errorText(err) }
  }
}

/**
 * Whether a typed login is not the key's own (getUserInfo's `login`, compared case-insensitively):
 * one key saved under another login would show a wrong name on every card and sync. Unknown when
 * Unisender does not say (then not a mismatch).
 */
export function loginMismatch(keyLogin: string | undefined, typed: string): boolean {
  return keyLogin != null && keyLogin.toLowerCase() !== typed.trim().toLowerCase()
}

/** The login Unisender reports for a saved account's key, or undefined when it cannot say. */
export async function storedKeyLogin(
  settings: ClientSettings,
  account: UnisenderCredentials
): Promise<string | undefined> {
  try {
    return (await (await accountClient(settings, account)).getUserInfo()).login
  } catch {
    return undefined
  }
}
