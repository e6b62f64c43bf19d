/**
 * Helpers for the UI route tests: requests as a signed-in person, form posts with or without the
 * CSRF token, and a minimal Unisender getUserInfo/getLists stub keyed by API key (used until a test
 * needs the full sandbox emulator).
 */
import { exports } from 'cloudflare:workers'
import { outbound } from './outbound'
import type { TestSession } from './session'

export const BASE = 'https://module.test'
export const UNISENDER_ORIGIN = 'https://api.unisender.test'

/** GET as the session's person. */
export function get(s: TestSession, path: string, headers: Record<string, string> = {}) {
  return exports.default.fetch(`${BASE}${path}`, {
    headers: { cookie: s.cookie, ...headers },
    redirect: 'manual',
  })
}

/** Form POST as the session's person; `csrf: false` leaves the token out. */
export function post(
  s: TestSession,
  path: string,
  fields: Record<string, string>,
  opts: { csrf?: boolean } = {}
) {
  const body = new URLSearchParams(fields)
  if (opts.csrf !== false) body.set('_csrf', s.csrfToken)
  return exports.default.fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body,
    redirect: 'manual',
  })
}

export interface StubAccount {
  login: string
  apiMode?: string
  total?: number
  used?: number
  lists?: { id: number; title: string }[]
  denied?: boolean
}

/** Installs a Unisender stub: each API key maps to an account; unknown keys are invalid. */
export function stubUnisender(keys: Record<string, StubAccount>) {
  const calls: string[] = []
  outbound.route(UNISENDER_ORIGIN, async (req) => {
    const method = new URL(req.url).pathname.split('/api/')[1] ?? ''
    calls.push(method)
    const form = new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()))
    const acc = keys[form.get('api_key') ?? '']
    const err = (code: string, error: string) => Response.json({ error, code, result: '' })
    if (!acc) return err('invalid_api_key', 'Invalid API key')
    if (acc.denied) return err('access_denied', 'Access denied')
    if (method === 'getUserInfo')
      return Response.json({
        result: {
          login: acc.login,
          api_mode: acc.apiMode ?? 'on',
          subscribers_total: acc.total,
          subscribers_used: acc.used,
        },
      })
    if (method === 'getLists') return Response.json({ result: acc.lists ?? [] })
    return err('unknown_method', `unknown method ${method}`)
  })
  return { calls }
}
