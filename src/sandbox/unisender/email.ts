/**
 * Address checks of importContacts: syntactically invalid and role addresses are not imported and
 * land in the import log (docs/unisender.md §3 "importContacts"). Pure.
 */

/**
 * Role local parts. The docs name info@, sales@, no-reply@ and all@; the rest of this list is our
 * choice (UNCONFIRMED: the real list is not published).
 */
export const ROLE_LOCAL_PARTS = new Set([
  'info',
  'sales',
  'no-reply',
  'noreply',
  'all',
  'admin',
  'abuse',
  'postmaster',
  'webmaster',
  'hostmaster',
  'support',
  'office',
])

/**
 * Per-row log codes. The real list of codes is UNCONFIRMED (docs/unisender.md §8.7); these are our names.
 */
export const LOG_CODES = {
  invalidEmail: 'invalid_email',
  roleAddress: 'role_address',
  duplicate: 'duplicate_email',
  unsubscribed: 'contact_unsubscribed',
  blocked: 'contact_blocked',
  unsubscribedFromList: 'unsubscribed_from_list',
  invalidRow: 'invalid_arg',
  invalidField: 'invalid_field_value',
  injected: 'unspecified',
} as const

const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const DOMAIN = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/
const CYRILLIC_DOMAIN = /^([a-z0-9а-яё]([a-z0-9а-яё-]{0,61}[a-z0-9а-яё])?\.)+(рф|[a-z]{2,63})$/

export type EmailCheck =
  | { ok: true; email: string }
  | { ok: false; code: (typeof LOG_CODES)['invalidEmail' | 'roleAddress']; message: string }

/**
 * Checks one address and returns its canonical (lower-case) form. Addresses are matched
 * case-insensitively. Surrounding spaces are NOT trimmed: such a value is invalid here (the real
 * service's trimming is UNCONFIRMED; being strict catches a client that forgets to normalise).
 */
export function checkEmail(raw: string): EmailCheck {
  const email = raw.toLowerCase()
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  const domain = email.slice(at + 1)
  const valid =
    at > 0 &&
    email.length <= 254 &&
    local.length <= 64 &&
    LOCAL.test(local) &&
    (DOMAIN.test(domain) || CYRILLIC_DOMAIN.test(domain))
  if (!valid) return { ok: false, code: LOG_CODES.invalidEmail, message: `Invalid email "${raw}"` }
  if (ROLE_LOCAL_PARTS.has(local)) {
    return {
      ok: false,
      code: LOG_CODES.roleAddress,
      message: `Role address "${raw}" is not imported`,
    }
  }
  return { ok: true, email }
}
