/**
 * Where a RetailCRM account may live. Used to validate the `systemUrl` of a registration and to let
 * those origins frame our pages. The list is the public RetailCRM/Simla account domains
 * (docs/retailcrm.md §0 names .retailcrm.ru, .retailcrm.pro, .retailcrm.es and .simla.com; .retailcrm.tech
 * and .simla.io are RetailCRM's other product domains). UNCONFIRMED: accounts on a custom domain
 * are refused; the person gets a message saying so, and the list is one line to extend.
 */
export const CRM_DOMAINS = [
  'retailcrm.ru',
  'retailcrm.pro',
  'retailcrm.es',
  'retailcrm.tech',
  'simla.com',
  'simla.io',
] as const

/** True for a host that is a subdomain (an account) of one of CRM_DOMAINS. */
export function isCrmHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  return CRM_DOMAINS.some((d) => host.endsWith(`.${d}`) && host.length > d.length + 1)
}

/** CSP frame-ancestors sources for every CRM domain. */
export function crmFrameAncestors(): string[] {
  return CRM_DOMAINS.map((d) => `https://*.${d}`)
}
