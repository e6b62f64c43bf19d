/**
 * Whether a sign-in hand-off (the CRM opening accountUrl with a clientId) really comes from the
 * tenant's own CRM. Without this check a page anywhere could sign a visitor into the *attacker's*
 * tenant (login CSRF) and collect the Unisender key the visitor then types. The browser tells where
 * a request comes from: `Origin` (sent on POST and on cross-origin requests), else `Referer` (the
 * CRM's origin under the default referrer policy), else `Sec-Fetch-Site`, which cannot name the
 * site but says "none" for a visit the person started (typed or bookmarked) and "same-origin" for
 * one of the module's own pages. Anything else, or nothing at all, is refused. Pure.
 */

export interface HandoffHeaders {
  origin?: string | null
  referer?: string | null
  secFetchSite?: string | null
}

export type HandoffVerdict = { ok: true } | { ok: false; reason: string }

/** The origin of an absolute URL, or null for anything unparsable (and for the opaque "null"). */
function originOf(url: string | null | undefined): string | null {
  if (!url || url === 'null') return null
  try {
    const origin = new URL(url).origin
    return origin === 'null' ? null : origin
  } catch {
    return null
  }
}

/**
 * Judges a hand-off to the tenant registered at `systemUrl`. `moduleOrigin` (PUBLIC_URL) counts as
 * well: the module's own pages may post the form again (e.g. after a language switch).
 */
export function judgeHandoff(
  h: HandoffHeaders,
  systemUrl: string,
  moduleOrigin: string
): HandoffVerdict {
  const allowed = new Set([originOf(systemUrl), originOf(moduleOrigin)].filter(Boolean))
  const origin = originOf(h.origin)
  if (h.origin && h.origin !== 'null') {
    return origin && allowed.has(origin)
      ? { ok: true }
      : { ok: false, reason: 'origin is not the tenant CRM' }
  }
  const referer = originOf(h.referer)
  if (referer) {
    return allowed.has(referer)
      ? { ok: true }
      : { ok: false, reason: 'referer is not the tenant CRM' }
  }
  const site = h.secFetchSite?.toLowerCase()
  if (site === 'none' || site === 'same-origin') return { ok: true }
  return {
    ok: false,
    reason: site ? `cross-site request of unknown origin (${site})` : 'no origin',
  }
}
