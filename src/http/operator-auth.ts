/**
 * The operator view's gate: HTTP Basic (any user name, the password is OPERATOR_TOKEN) or
 * `Authorization: Bearer <OPERATOR_TOKEN>`. A shop's session grants nothing here, and without the
 * secret configured the view does not exist (404), so a deployment that never set it exposes
 * nothing. The token is compared through SHA-256 digests, in constant time.
 */
import type { MiddlewareHandler } from 'hono'
import { getConfig } from '../config'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { sha256Hex } from '../lib/crypto'

/** The token a request presents, from Basic (password part) or Bearer. */
function presented(header: string | undefined): string | null {
  if (!header) return null
  const [scheme, value] = header.split(' ', 2)
  if (!value) return null
  if (scheme?.toLowerCase() === 'bearer') return value.trim()
  if (scheme?.toLowerCase() !== 'basic') return null
  try {
    const decoded = atob(value.trim())
    const colon = decoded.indexOf(':')
    return colon < 0 ? null : decoded.slice(colon + 1)
  } catch {
    return null
  }
}

/** Equal strings, compared without an early exit (both are hex digests of equal length). */
function sameDigest(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  return diff === 0
}

/** Lets the request through only with the operator token. */
export const requireOperator: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = getConfig(c.env).OPERATOR_TOKEN
  if (!expected) throw new AppError('not_found', 'Not found')
  const given = presented(c.req.header('authorization'))
  if (given === null || !sameDigest(await sha256Hex(given), await sha256Hex(expected))) {
    c.header('WWW-Authenticate', 'Basic realm="operator", charset="UTF-8"')
    c.header('Cache-Control', 'no-store')
    return c.text('Operator token required', 401)
  }
  c.header('Cache-Control', 'no-store')
  await next()
}
