/**
 * Query-string rules of the RetailCRM API v5 as the emulator enforces them: `limit` only 20/50/100,
 * `page` ≥ 1, integer id lists in `filter[ids][]` (or PHP-style `filter[ids][0]`), and the error body
 * for anything else, so the emulator never accepts what the real API rejects.
 */

/** The real error body: `{success:false, errorMsg, errors?}`. */
export function crmError(errorMsg: string, errors?: Record<string, string>) {
  return { success: false as const, errorMsg, ...(errors ? { errors } : {}) }
}

/**
 * Raised by the parsers below; answered with 400. UNCONFIRMED: the exact `errorMsg` of a bad
 * `limit` is not in any source we could read; "Validation error" is one of the known strings
 * (api-client-php ApiExceptionFactory), and the field goes in `errors`.
 */
export class ParamError extends Error {
  constructor(readonly errors: Record<string, string>) {
    super('Validation error')
  }
}

/**
 * Limits every list endpoint accepts. 250 is in the official PHP SDK's list but no source says
 * which endpoints take it (docs/retailcrm.md §3), so it is refused unless a shop's settings say
 * otherwise for /customers or /customers/history (`parseListLimit`).
 */
export const ALLOWED_LIMITS = [20, 50, 100] as const

/** How the emulator answers `limit=250` on an endpoint: refuse (400), accept, or clamp to 100. */
export const LARGE_PAGE_MODES = ['refuse', 'accept', 'clamp'] as const
export type LargePageMode = (typeof LARGE_PAGE_MODES)[number]

/** `limit` of /customers and /customers/history: 250 as the shop's mode says, else parseLimit. */
export function parseListLimit(url: URL, large: LargePageMode): number {
  if (url.searchParams.get('limit') === '250' && large !== 'refuse')
    return large === 'accept' ? 250 : 100
  return parseLimit(url)
}

export function parseLimit(url: URL): number {
  const raw = url.searchParams.get('limit')
  if (raw === null || raw === '') return 20
  const n = Number(raw)
  if (!ALLOWED_LIMITS.includes(n as 20)) {
    throw new ParamError({ limit: 'The value you selected is not a valid choice.' })
  }
  return n
}

export function parsePage(url: URL): number {
  const raw = url.searchParams.get('page')
  if (raw === null || raw === '') return 1
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new ParamError({ page: 'This value should be greater than or equal to 1.' })
  }
  return Number(raw)
}

/** `filter[name]` or null. */
export function filter(url: URL, name: string): string | null {
  const v = url.searchParams.get(`filter[${name}]`)
  return v === null || v === '' ? null : v
}

/** All values of `filter[name][]` and `filter[name][i]`. */
export function filterList(url: URL, name: string): string[] | null {
  const prefix = `filter[${name}][`
  const out: string[] = []
  let seen = false
  for (const [k, v] of url.searchParams) {
    if (k.startsWith(prefix) && k.endsWith(']')) {
      seen = true
      out.push(v)
    }
  }
  return seen ? out : null
}

/** An integer filter, or a validation error naming it. */
export function intFilter(url: URL, name: string, min = 0): number | null {
  const v = filter(url, name)
  if (v === null) return null
  if (!/^-?\d+$/.test(v) || Number(v) < min) {
    throw new ParamError({ [name]: 'This value is not valid.' })
  }
  return Number(v)
}

/** `filter[ids][]` as positive integers. */
export function idsFilter(url: URL): number[] | null {
  const list = filterList(url, 'ids')
  if (list === null) return null
  if (list.some((v) => !/^\d+$/.test(v))) throw new ParamError({ ids: 'This value is not valid.' })
  return list.map(Number)
}

/** `{limit, totalCount, currentPage, totalPageCount}` as the real API pages. */
export function pagination(limit: number, totalCount: number, currentPage: number) {
  return { limit, totalCount, currentPage, totalPageCount: Math.ceil(totalCount / limit) }
}
