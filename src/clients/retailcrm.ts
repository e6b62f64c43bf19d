/**
 * RetailCRM API v5 client: the few calls the module needs (credentials, integration module,
 * segments, customers, customer history). Responses are checked with zod and reduced to the fields
 * we use; errors are classified (see errors.ts). Knows nothing of Hono or D1.
 * Facts: docs/retailcrm.md.
 */
import { z } from 'zod'
import { ApiError } from './errors'
import {
  fetchWithTimeout,
  parseAnswer,
  readJson,
  type TransportOptions,
  withRateLimitRetry,
} from './http'

/**
 * Page sizes of list endpoints. 20/50/100 are documented; 250 is in the official PHP SDK's list
 * only, so which endpoints take it is UNCONFIRMED (docs/retailcrm.md §3): it is asked for on
 * /customers and /customers/history and kept only while the answers line up (`pagesLineUp`).
 */
export type PageLimit = 20 | 50 | 100 | 250

/** The size asked for first on /customers and /customers/history, and the one every CRM serves. */
export const LARGE_PAGE = 250
export const SAFE_PAGE = 100

/** The endpoints whose page size is remembered per tenant. */
export type PagedEndpoint = 'customers' | 'history'

/**
 * A tenant's page-size memory (src/credentials/page-sizes.ts keeps it in D1): the size to ask an
 * endpoint for, and the record that the CRM refused 250 there. The client needs no D1.
 */
export interface PageSizeMemory {
  limit(endpoint: PagedEndpoint): typeof LARGE_PAGE | typeof SAFE_PAGE
  refused(endpoint: PagedEndpoint): Promise<void>
}

const Pagination = z.object({
  limit: z.number(),
  totalCount: z.number(),
  currentPage: z.number(),
  totalPageCount: z.number(),
})
export type Pagination = z.infer<typeof Pagination>

/**
 * Whether an answer is the page that was asked for at the size asked for: its pagination names that
 * page and limit, the page count matches the total at that limit, and only the last page is short.
 * Paging by page number skips or repeats customers as soon as any of these does not hold.
 */
export function pagesLineUp(p: Pagination, page: number, limit: number, items: number): boolean {
  if (p.limit !== limit || p.currentPage !== page) return false
  // An empty answer may count its one empty page or none (undocumented either way).
  const pages = Math.ceil(p.totalCount / limit)
  if (p.totalPageCount !== pages && !(pages === 0 && p.totalPageCount === 1)) return false
  if (items > limit) return false
  return page >= p.totalPageCount || items === limit
}

const Segment = z.object({
  id: z.number(),
  code: z.string(),
  name: z.string(),
  isDynamic: z.boolean().optional().default(false),
  customersCount: z.number().optional().default(0),
  active: z.boolean().optional().default(true),
})
export type Segment = z.infer<typeof Segment>

const CustomerSubscription = z.object({
  subscription: z
    .object({ channel: z.string().optional(), code: z.string().optional() })
    .optional(),
  subscribed: z.boolean().optional(),
})

/**
 * The customer fields the module reads (docs/retailcrm.md §3); anything else is dropped. To read one
 * more field, add it here (nullish: the CRM omits empty fields); every customer read gets it.
 */
export const CustomerFields = {
  id: z.number(),
  email: z.string().nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  emailMarketingUnsubscribedAt: z.string().nullish(),
  customerSubscriptions: z.array(CustomerSubscription).nullish(),
  segments: z.array(z.object({ code: z.string() }).loose()).nullish(),
  // Sources of contact fields (#15, src/sync/field-values.ts): read as given, normalised there.
  patronymic: z.string().nullish(),
  phones: z.array(z.object({ number: z.string().nullish() }).loose()).nullish(),
  address: z.object({ city: z.string().nullish() }).loose().nullish(),
  birthday: z.string().nullish(),
  sex: z.string().nullish(),
  tags: z.array(z.union([z.string(), z.object({ name: z.string() }).loose()])).nullish(),
  totalSumm: z.union([z.number(), z.string()]).nullish(),
  ordersCount: z.union([z.number(), z.string()]).nullish(),
  lastOrderDate: z.string().nullish(),
  customFields: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish(),
}
const Customer = z.object(CustomerFields)
export type Customer = z.infer<typeof Customer>

const HistoryEntry = z.object({
  id: z.number(),
  createdAt: z.string().optional(),
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  source: z.string().optional(),
  field: z.string().optional(),
  oldValue: z.unknown().optional(),
  newValue: z.unknown().optional(),
  customer: z.object({ id: z.number() }).loose().optional(),
  combinedTo: z.object({ id: z.number() }).loose().nullish(),
})
export type HistoryEntry = z.infer<typeof HistoryEntry>

const Credentials = z.object({
  scopes: z.array(z.string()).default([]),
  siteAccess: z.string().optional(),
  sitesAvailable: z.array(z.string()).optional(),
})
export type Credentials = z.infer<typeof Credentials>

/** The integration module entity the module registers in the CRM (docs/retailcrm.md §1b). */
export interface IntegrationModule {
  code: string
  integrationCode: string
  active: boolean
  name: string
  logo?: string
  clientId: string
  baseUrl: string
  accountUrl: string
  actions: Record<string, string>
}

const ErrorBody = z
  .object({
    success: z.literal(false),
    errorMsg: z.string().optional(),
    errors: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  })
  .loose()

export interface RetailCrmClientOptions extends TransportOptions {
  /** The account origin, e.g. https://shop.retailcrm.ru (no trailing slash). */
  systemUrl: string
  /** The tenant's page sizes, for reads asked with `limit: 'auto'`; without it they use 100. */
  pageSizes?: PageSizeMemory
}

/** RetailCRM answers its rate limit with 503 (and possibly 429): retryable in place. */
const isCrmRateLimited = (err: unknown) =>
  err instanceof ApiError && (err.status === 503 || err.status === 429)

/** Joins the error details RetailCRM returns into one readable line. */
function describeErrors(errors: unknown): string {
  if (!errors) return ''
  const parts = Array.isArray(errors)
    ? errors.map(String)
    : Object.entries(errors as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`)
  return parts.length ? ` (${parts.join('; ')})` : ''
}

/** Maps an HTTP status + error body to a classified ApiError. */
function toApiError(status: number, body: unknown): ApiError {
  const parsed = ErrorBody.safeParse(body)
  const msg = parsed.success ? (parsed.data.errorMsg ?? 'RetailCRM error') : 'RetailCRM error'
  const detail = parsed.success ? describeErrors(parsed.data.errors) : ''
  const text = `RetailCRM: ${msg}${detail}`
  if (status === 503 || status === 429 || status >= 500)
    return new ApiError('retailcrm', 'retryable', String(status), text, status, 1)
  if (status === 401 || status === 403)
    return new ApiError('retailcrm', 'auth', String(status), text, status)
  return new ApiError('retailcrm', 'fatal', String(status), text, status)
}

/** A notification for CRM users: exactly one of `userGroups` and `userIds`. */
export type CrmNotification = {
  type: 'error' | 'warning' | 'info'
  message: string
} & ({ userGroups: string[]; userIds?: never } | { userIds: number[]; userGroups?: never })

/** Creates a client bound to one CRM account and key. */
export function createRetailCrmClient(opts: RetailCrmClientOptions) {
  const base = opts.systemUrl.replace(/\/+$/, '')
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init))
  const timeoutMs = opts.timeoutMs ?? 30_000

  function call<T>(
    endpoint: string,
    schema: z.ZodType<T>,
    init: { query?: URLSearchParams; form?: URLSearchParams } = {}
  ): Promise<T> {
    return withRateLimitRetry(opts.rateLimitRetry, isCrmRateLimited, () =>
      callOnce(endpoint, schema, init)
    )
  }

  async function callOnce<T>(
    endpoint: string,
    schema: z.ZodType<T>,
    init: { query?: URLSearchParams; form?: URLSearchParams }
  ): Promise<T> {
    await opts.limiter?.acquire()
    opts.onCall?.(endpoint)
    const qs = init.query?.toString()
    const url = `${base}${endpoint}${qs ? `?${qs}` : ''}`
    const res = await fetchWithTimeout(
      'retailcrm',
      doFetch,
      url,
      init.form
        ? {
            method: 'POST',
            headers: {
              'X-API-KEY': opts.apiKey,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: init.form.toString(),
          }
        : { method: 'GET', headers: { 'X-API-KEY': opts.apiKey } },
      timeoutMs
    )
    const text = await res.clone().text()
    if (text.trimStart().startsWith('<')) {
      // An HTML answer means the account does not exist (docs/retailcrm.md §4, api-client-go CreateAPIError).
      throw new ApiError(
        'retailcrm',
        res.status >= 500 ? 'retryable' : 'fatal',
        String(res.status),
        'RetailCRM: the account does not exist or is unavailable',
        res.status
      )
    }
    const body = await readJson('retailcrm', res)
    if (!res.ok || (body as { success?: unknown })?.success === false)
      throw toApiError(res.status, body)
    return parseAnswer('retailcrm', schema, body, endpoint)
  }

  /**
   * One page at the largest size the tenant's CRM serves on `endpoint`: 250 until it refuses it,
   * then 100. A 400 to 250 is a refusal only when the same page at 100 succeeds (else that error
   * stands); an answer at another limit, or whose pages do not line up, is asked again at 100.
   * Either way the memory records 100, so the extra call happens once per tenant and endpoint.
   */
  async function largestPage<T extends { pagination: Pagination }>(
    endpoint: PagedEndpoint,
    page: number,
    items: (answer: T) => number,
    ask: (limit: PageLimit) => Promise<T>
  ): Promise<T> {
    if ((opts.pageSizes?.limit(endpoint) ?? SAFE_PAGE) !== LARGE_PAGE) return ask(SAFE_PAGE)
    let answer: T
    try {
      answer = await ask(LARGE_PAGE)
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 400)) throw err
      const safe = await ask(SAFE_PAGE)
      await opts.pageSizes?.refused(endpoint)
      return safe
    }
    if (pagesLineUp(answer.pagination, page, LARGE_PAGE, items(answer))) return answer
    await opts.pageSizes?.refused(endpoint)
    return ask(SAFE_PAGE)
  }

  /** One page of history after `sinceId` at a given size (see customersHistory). */
  function historyPage(
    p: { sinceId?: number; startDate?: string; page?: number },
    limit: PageLimit
  ) {
    const q = new URLSearchParams({ limit: String(limit), page: String(p.page ?? 1) })
    if (p.sinceId !== undefined) q.set('filter[sinceId]', String(p.sinceId))
    if (p.startDate) q.set('filter[startDate]', p.startDate)
    return call(
      '/api/v5/customers/history',
      z.object({
        pagination: Pagination,
        history: z.array(HistoryEntry),
        generatedAt: z.string().optional(),
      }),
      { query: q }
    )
  }

  return {
    /** Scopes and site access of the key (GET /api/credentials). */
    getCredentials: () => call('/api/credentials', Credentials),

    /** Registers or updates the module in the account (POST /integration-modules/{code}/edit). */
    editIntegrationModule: (module: IntegrationModule) =>
      call(
        `/api/v5/integration-modules/${encodeURIComponent(module.code)}/edit`,
        z.object({ success: z.literal(true) }).loose(),
        { form: new URLSearchParams({ integrationModule: JSON.stringify(module) }) }
      ),

    /**
     * Shows a notification to CRM users (POST /api/v5/notifications/send, form field
     * `notification` = JSON; docs/retailcrm.md §8): to a user group (e.g. 'superadmins') or to users.
     */
    sendNotification: (n: CrmNotification) =>
      call('/api/v5/notifications/send', z.object({ success: z.literal(true) }).loose(), {
        form: new URLSearchParams({ notification: JSON.stringify(n) }),
      }),

    /**
     * The account's settings (GET /api/v5/settings, docs/retailcrm.md §9): the module reads only
     * its time zone, to show times as the shop sees them.
     */
    getSettings: () =>
      call(
        '/api/v5/settings',
        z.object({
          settings: z
            .object({ timezone: z.object({ value: z.string() }).loose().optional() })
            .loose(),
        })
      ).then((r) => r.settings),

    /** Reads the module's registration, e.g. to confirm its active/freeze state. */
    getIntegrationModule: (code: string) =>
      call(
        `/api/v5/integration-modules/${encodeURIComponent(code)}`,
        z.object({
          integrationModule: z
            .object({ active: z.boolean().optional(), freeze: z.boolean().optional() })
            .loose(),
        })
      ).then((r) => r.integrationModule),

    /** One page of segments. */
    listSegments: (
      p: { page?: number; limit?: PageLimit; ids?: number[]; active?: boolean } = {}
    ) => {
      const q = new URLSearchParams({ limit: String(p.limit ?? 100), page: String(p.page ?? 1) })
      for (const id of p.ids ?? []) q.append('filter[ids][]', String(id))
      if (p.active !== undefined) q.set('filter[active]', p.active ? '1' : '0')
      return call(
        '/api/v5/segments',
        z.object({ pagination: Pagination, segments: z.array(Segment) }),
        { query: q }
      )
    },

    /**
     * One page of the shop's custom customer fields (code, name, type): the dictionary
     * `GET /api/v5/custom-fields?filter[entity]=customer` (docs/retailcrm.md §3, custom fields).
     */
    listCustomerFields: (page = 1) =>
      call(
        '/api/v5/custom-fields',
        z.object({
          pagination: Pagination.partial().optional(),
          customFields: z.array(
            z.object({ code: z.string(), name: z.string(), type: z.string().optional() }).loose()
          ),
        }),
        {
          query: new URLSearchParams({
            'filter[entity]': 'customer',
            limit: '100',
            page: String(page),
          }),
        }
      ),

    /** One page of customers, optionally of one segment (by code) or by ids. */
    listCustomers: (
      p: { page?: number; limit?: PageLimit; segment?: string; ids?: number[] } = {}
    ) => {
      const q = new URLSearchParams({ limit: String(p.limit ?? 100), page: String(p.page ?? 1) })
      if (p.segment) q.set('filter[segment]', p.segment)
      for (const id of p.ids ?? []) q.append('filter[ids][]', String(id))
      return call(
        '/api/v5/customers',
        z.object({ pagination: Pagination, customers: z.array(Customer) }),
        { query: q }
      )
    },

    /**
     * One page of customer history after `sinceId` (ordered by id). `limit: 'auto'` reads at the
     * largest size the tenant's CRM serves there (250 or 100, remembered: `largestPage`); the
     * answer's `pagination` says which, so page arithmetic on it stays right.
     */
    customersHistory: (
      p: { sinceId?: number; startDate?: string; page?: number; limit?: PageLimit | 'auto' } = {}
    ) =>
      p.limit === 'auto'
        ? largestPage(
            'history',
            p.page ?? 1,
            (a) => a.history.length,
            (l: PageLimit) => historyPage(p, l)
          )
        : historyPage(p, p.limit ?? SAFE_PAGE),
  }
}

export type RetailCrmClient = ReturnType<typeof createRetailCrmClient>
