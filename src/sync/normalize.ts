/**
 * Email normalisation and classification of CRM customers. Pure.
 *
 * Case rule: the whole address is trimmed and lower-cased. Unisender matches addresses
 * case-insensitively (UNCONFIRMED, docs/unisender.md §4 "lowercase emails locally first"), and RFC 5321
 * local-part case sensitivity is not honoured by real mailbox providers, so two customers whose
 * addresses differ only in case are one contact (the second counts as a duplicate).
 */
import type { Customer } from '../clients/retailcrm'

/** A pragmatic address check: one @, a non-empty local part, a dotted domain, no spaces/controls. */
const EMAIL_RE =
  /^[^\s@",;<>()[\]\\]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/

/**
 * Role prefixes Unisender refuses at import (docs/unisender.md §3: `info@`, `sales@`, `no-reply@`, `all@`).
 * The real list is UNCONFIRMED; we use only the documented examples plus obvious spellings, never
 * send them (they would be refused every run), and never remove them from a list in exact mode.
 */
const ROLE_LOCALS = new Set(['info', 'sales', 'no-reply', 'noreply', 'all'])

/** Trims and lower-cases; returns '' for a missing address. */
export function normaliseEmail(raw: string | null | undefined): string {
  return (raw ?? '').trim().toLowerCase()
}

/** Whether a normalised address looks deliverable. */
export function isValidEmail(email: string): boolean {
  return email.length >= 3 && email.length <= 254 && EMAIL_RE.test(email)
}

/** Whether a normalised address is a role address Unisender does not import. */
export function isRoleAddress(email: string): boolean {
  return ROLE_LOCALS.has(email.slice(0, email.indexOf('@')))
}

/** Whether the customer opted out of email marketing in the CRM. */
export function isOptedOut(
  c: Pick<Customer, 'emailMarketingUnsubscribedAt' | 'customerSubscriptions'>
): boolean {
  if (c.emailMarketingUnsubscribedAt) return true
  return (c.customerSubscriptions ?? []).some(
    (s) => s.subscribed === false && (s.subscription?.channel ?? 'email') === 'email'
  )
}

export type CustomerClass =
  | { kind: 'valid'; email: string }
  | { kind: 'opted_out'; email: string }
  | { kind: 'role'; email: string }
  | { kind: 'invalid'; email: string }

/** Classifies one customer: the email the sync may add, or why not. */
export function classifyCustomer(c: Customer): CustomerClass {
  const email = normaliseEmail(c.email)
  if (!isValidEmail(email)) return { kind: 'invalid', email }
  if (isOptedOut(c)) return { kind: 'opted_out', email }
  if (isRoleAddress(email)) return { kind: 'role', email }
  return { kind: 'valid', email }
}
