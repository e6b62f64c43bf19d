/**
 * The CRM's time zone, so that every time the module shows is the shop's own (RetailCRM keeps one
 * zone per account in its settings, docs/retailcrm.md §9). Read when the shop connects and when the
 * CRM reports activity; a failure or an unknown name leaves the last known zone (or none: Moscow,
 * RetailCRM's usual zone, is then shown and labelled as such).
 */
import type { RetailCrmClient } from '../clients/retailcrm'

/** True for an IANA zone name the runtime can format in. */
export function isKnownTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{1,63}$/.test(name)) return false
  try {
    new Intl.DateTimeFormat('en', { timeZone: name })
    return true
  } catch {
    return false
  }
}

/** The account's time zone, or null when the CRM did not say (or refused, or named none we know). */
export async function readCrmTimeZone(crm: Pick<RetailCrmClient, 'getSettings'>) {
  try {
    const zone = (await crm.getSettings()).timezone?.value
    return zone && isKnownTimeZone(zone) ? zone : null
  } catch {
    return null
  }
}
