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

/** Page sizes the API accepts on list endpoints. */
export type PageLimit = 20 | 50 | 100

const Pagination = z.object({
  limit: z.number(),
  totalCount: z.number(),
  currentPage: z.number(),
  totalPageCount: z.number(),
})
export type Pagination = z.infer<typeof Pagination>

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

const Customer = z.object({
  id: z.number(),
  email: z.string().nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  emailMarketingUnsubscribedAt: z.string().nullish(),
  customerSubscriptions: z.array(CustomerSubscription).nullish(),
  segments: z.array(z.object({ code: z.string() }).loose()).nullish(),
})
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

    /** One page of customer history after `sinceId` (ordered by id). */
    customersHistory: (
      p: { sinceId?: number; startDate?: string; page?: number; limit?: PageLimit } = {}
    ) => {
      const q = new URLSearchParams({ limit: String(p.limit ?? 100), page: String(p.page ?? 1) })
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
    },
  }
}

export type RetailCrmClient = ReturnType<typeof createRetailCrmClient>
