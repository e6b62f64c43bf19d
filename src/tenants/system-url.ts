/**
 * Validates and normalises the `systemUrl` a registration or activity callback carries. Pure, so
 * the rule is tested without HTTP. Production accepts only https origins on a RetailCRM/Simla
 * account domain (src/tenants/crm-domains.ts); plain http on localhost/127.0.0.1 — with a path, as
 * the sandbox emulator serves shops under /crm/<shop> — only when ALLOW_INSECURE_LOCALHOST is set.
 */
import { isCrmHost } from './crm-domains'

export type SystemUrlResult = { ok: true; url: string } | { ok: false; reason: string }

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Returns the normalised account URL (no trailing slash) or a reason a person can act on. */
export function normalizeSystemUrl(
  raw: string,
  opts: { allowInsecureLocalhost: boolean }
): SystemUrlResult {
  let u: URL
  try {
    u = new URL(raw.trim())
  } catch {
    return { ok: false, reason: 'Адрес CRM (systemUrl) не является корректным URL' }
  }
  if (u.username || u.password || u.search || u.hash) {
    return {
      ok: false,
      reason: 'Адрес CRM (systemUrl) должен быть адресом аккаунта без логина, параметров и якоря',
    }
  }
  const path = u.pathname.replace(/\/+$/, '')
  if (LOCAL_HOSTS.has(u.hostname)) {
    if (!opts.allowInsecureLocalhost) {
      return {
        ok: false,
        reason:
          'Адрес CRM (systemUrl) указывает на локальный компьютер; такие адреса принимаются только при разработке (ALLOW_INSECURE_LOCALHOST=1)',
      }
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      return { ok: false, reason: 'Адрес CRM (systemUrl) должен начинаться с http:// или https://' }
    }
    return { ok: true, url: `${u.origin}${path}` }
  }
  if (u.protocol !== 'https:') {
    return { ok: false, reason: 'Адрес CRM (systemUrl) должен начинаться с https://' }
  }
  if (!isCrmHost(u.hostname) || u.port !== '' || path !== '') {
    return {
      ok: false,
      reason: `${u.origin} не похож на адрес аккаунта RetailCRM: ожидается https://<аккаунт>.retailcrm.ru (.pro, .es, .tech) или https://<аккаунт>.simla.com (.io)`,
    }
  }
  return { ok: true, url: u.origin }
}

/**
 * The CRM account as people know it: its host, plus the path for sandbox shops served under
 * /crm/<shop>. Shown in the module's menu and on the operator view; an unparsable value as it is.
 */
export function accountLabel(systemUrl: string): string {
  try {
    const u = new URL(systemUrl)
    return u.host + (u.pathname === '/' ? '' : u.pathname)
  } catch {
    return systemUrl
  }
}
