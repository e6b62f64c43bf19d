/**
 * Unisender (classic API) client: lists, importContacts, exclude, the asynchronous export, and
 * account info. Every parameter goes in a form-encoded POST body (keeps the key out of URLs and
 * avoids the documented GET+POST mixing error). Deliberately has no `unsubscribe`, no `delete` and
 * no `overwrite_lists`: the module must never use them (docs/unisender.md §4, §6).
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

/** Unisender's documented maximum rows per importContacts call. */
export const IMPORT_BATCH_MAX = 500
/** Unisender's documented maximum of user fields (columns) per importContacts call. */
export const IMPORT_FIELDS_MAX = 50
/** The system columns of importContacts the module sends; any other column is a user field. */
export const IMPORT_SYSTEM_COLUMNS = new Set(['email', 'email_list_ids', 'email_excluded_list_ids'])
/** Types of user fields (createField); docs/unisender.md §3 "User fields". */
export const FIELD_TYPES = ['string', 'text', 'number', 'date', 'bool'] as const
export type FieldType = (typeof FIELD_TYPES)[number]

const FieldDef = z
  .object({
    id: z.coerce.number(),
    name: z.string(),
    type: z.string().optional().default('string'),
  })
  .loose()
export type FieldDef = z.infer<typeof FieldDef>

const RETRYABLE_CODES = new Set([
  'retry_later',
  'api_call_limit_exceeded_for_api_key',
  'api_call_limit_exceeded_for_ip',
])
const AUTH_CODES = new Set(['invalid_api_key', 'access_denied'])

const ImportResult = z.object({
  total: z.coerce.number().default(0),
  inserted: z.coerce.number().default(0),
  updated: z.coerce.number().default(0),
  deleted: z.coerce.number().default(0),
  new_emails: z.coerce.number().default(0),
  invalid: z.coerce.number().default(0),
  log: z
    .array(
      z.object({
        index: z.coerce.number(),
        code: z.string().optional().default(''),
        message: z.string().optional().default(''),
      })
    )
    .default([]),
})
export type ImportResult = z.infer<typeof ImportResult>

const UserInfo = z
  .object({
    login: z.string().optional(),
    email: z.string().optional(),
    api_mode: z.string().optional(),
    // Plan contact limit and usage; meaning UNCONFIRMED (docs/unisender.md §3 "Account info"). The
    // module treats subscribers_total as the plan's contact limit and subscribers_used as usage.
    subscribers_total: z.coerce.number().optional(),
    subscribers_used: z.coerce.number().optional(),
  })
  .loose()
export type UserInfo = z.infer<typeof UserInfo>

/** One list in a getContact answer: its id and, where given, the contact's status in it. */
export interface ContactList {
  id: number
  status?: string
}

const ContactListEntry = z.object({ id: z.coerce.number(), status: z.string().optional() }).loose()

/**
 * The lists of a getContact answer (include_lists=1), or null when the answer names none. Where
 * they are is UNCONFIRMED (docs/unisender.md §3 "getContact"): beside `email`, or inside it; both
 * are read, and entries that do not parse are skipped.
 */
export function contactListsOf(answer: unknown): ContactList[] | null {
  const a = answer as { lists?: unknown; email?: { lists?: unknown } } | null
  const raw = Array.isArray(a?.lists) ? a.lists : a?.email?.lists
  if (!Array.isArray(raw)) return null
  return raw.flatMap((e) => {
    const parsed = ContactListEntry.safeParse(e)
    return parsed.success ? [{ id: parsed.data.id, status: parsed.data.status }] : []
  })
}

/** What getContactState tells of one contact. */
export type ContactState =
  | { found: false }
  | {
      found: true
      status: string | null
      lists: ContactList[] | null
      fields: Record<string, string> | null
    }

const FieldsAnswer = z.record(z.string(), z.union([z.string(), z.number(), z.null()]))

/**
 * Status, lists and fields of a getContact answer. Where the fields are is UNCONFIRMED
 * (docs/unisender.md §3 "getContact"): an object `fields` beside `email` or inside it, name →
 * value; anything else is "no fields" (every value then counts as not known to be equal).
 */
export function contactStateOf(answer: unknown): Omit<ContactState & { found: true }, 'found'> {
  const a = answer as { email?: { status?: unknown; fields?: unknown }; fields?: unknown } | null
  const status = typeof a?.email?.status === 'string' ? a.email.status : null
  const parsed = FieldsAnswer.safeParse(a?.fields ?? a?.email?.fields)
  const fields = parsed.success
    ? Object.fromEntries(
        Object.entries(parsed.data).map(([k, v]) => [k, v === null ? '' : String(v)])
      )
    : null
  return { status, lists: contactListsOf(answer), fields }
}

const TaskResult = z.object({
  task_uuid: z.string().optional(),
  status: z.string(),
  file_to_download: z.string().nullish(),
})

export interface UnisenderClientOptions extends TransportOptions {
  /** API base, e.g. https://api.unisender.com/ru/api */
  apiUrl: string
  /** Sent as `platform`, so Unisender can tell our calls apart. */
  platform?: string
}

/** Only the per-minute call limit is retried in place; retry_later goes back to the queue. */
const isUniRateLimited = (err: unknown) =>
  err instanceof ApiError && err.code.startsWith('api_call_limit_exceeded')

/** Maps an `{error, code}` answer to a classified ApiError. */
function toApiError(code: string, message: string): ApiError {
  const text = `Unisender: ${message.replace(/&quot;/g, '"').replace(/&amp;/g, '&')}`
  if (RETRYABLE_CODES.has(code)) {
    return new ApiError(
      'unisender',
      'retryable',
      code,
      text,
      200,
      code.startsWith('api_call_limit') ? 60 : 10
    )
  }
  if (AUTH_CODES.has(code)) return new ApiError('unisender', 'auth', code, text)
  return new ApiError('unisender', 'fatal', code || 'unspecified', text)
}

/** Creates a client bound to one Unisender API key. */
export function createUnisenderClient(opts: UnisenderClientOptions) {
  const base = opts.apiUrl.replace(/\/+$/, '')
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init))
  const timeoutMs = opts.timeoutMs ?? 30_000

  function call<T>(method: string, params: URLSearchParams, schema: z.ZodType<T>): Promise<T> {
    return withRateLimitRetry(opts.rateLimitRetry, isUniRateLimited, () =>
      callOnce(method, params, schema)
    )
  }

  async function callOnce<T>(
    method: string,
    params: URLSearchParams,
    schema: z.ZodType<T>
  ): Promise<T> {
    await opts.limiter?.acquire()
    opts.onCall?.(method)
    const body = new URLSearchParams({
      format: 'json',
      api_key: opts.apiKey,
      platform: opts.platform ?? 'RetailCRM segment export',
    })
    for (const [k, v] of params) body.append(k, v)
    const res = await fetchWithTimeout(
      'unisender',
      doFetch,
      `${base}/${method}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      },
      timeoutMs
    )
    if (res.status >= 500 || res.status === 429) {
      throw new ApiError(
        'unisender',
        'retryable',
        String(res.status),
        `Unisender answered HTTP ${res.status}`,
        res.status,
        10
      )
    }
    const json = (await readJson('unisender', res)) as Record<string, unknown>
    if (json && typeof json === 'object' && json.error) {
      throw toApiError(String(json.code ?? ''), String(json.error))
    }
    if (!res.ok)
      throw new ApiError(
        'unisender',
        'fatal',
        String(res.status),
        `Unisender answered HTTP ${res.status}`,
        res.status
      )
    return parseAnswer('unisender', schema, json.result ?? json, method)
  }

  return {
    /** All lists of the account. */
    getLists: () =>
      call(
        'getLists',
        new URLSearchParams(),
        z.array(z.object({ id: z.coerce.number(), title: z.string() }).loose())
      ),

    /** Creates a list; titles are unique per account, so callers look the title up first. */
    createList: (title: string) =>
      call(
        'createList',
        new URLSearchParams({ title }),
        z.object({ id: z.coerce.number() }).loose()
      ).then((r) => r.id),

    /**
     * Imports up to 500 rows. `fieldNames` name the columns of `rows`; `overwrite_lists` and
     * `overwrite_tags` are always 0 so a contact's other lists and tags stay as they are.
     */
    importContacts: (fieldNames: string[], rows: string[][]) => {
      if (rows.length > IMPORT_BATCH_MAX)
        throw new RangeError(`importContacts takes at most ${IMPORT_BATCH_MAX} rows`)
      if (fieldNames.some((f) => f === 'delete' || f === 'email_status'))
        throw new RangeError('the module never deletes contacts nor sets a status')
      if (fieldNames.filter((f) => !IMPORT_SYSTEM_COLUMNS.has(f)).length > IMPORT_FIELDS_MAX)
        throw new RangeError(`importContacts takes at most ${IMPORT_FIELDS_MAX} user fields`)
      const p = new URLSearchParams({ overwrite_tags: '0', overwrite_lists: '0' })
      for (const [i, f] of fieldNames.entries()) p.append(`field_names[${i}]`, f)
      for (const [i, row] of rows.entries()) {
        for (const [j, v] of row.entries()) p.append(`data[${i}][${j}]`, v)
      }
      return call('importContacts', p, ImportResult)
    },

    /** The account's user fields (the standard `Name` among them). */
    getFields: () => call('getFields', new URLSearchParams(), z.array(FieldDef)),

    /** Creates a user field; names are unique per account, so callers use ensureField. */
    createField: (name: string, type: FieldType, publicName?: string) =>
      call(
        'createField',
        new URLSearchParams({ name, type, ...(publicName ? { public_name: publicName } : {}) }),
        z.object({ id: z.coerce.number() }).loose()
      ).then((r) => r.id),

    /** Removes one contact from the given lists only, without unsubscribing it. */
    exclude: (email: string, listIds: number[]) =>
      call(
        'exclude',
        new URLSearchParams({ contact_type: 'email', contact: email, list_ids: listIds.join(',') }),
        z.unknown()
      ),

    /**
     * The lists one address is in (getContact with include_lists=1): `found: false` when Unisender
     * does not know the address, `lists: null` when the answer names no lists.
     */
    getContactLists: async (
      email: string
    ): Promise<{ found: false } | { found: true; lists: ContactList[] | null }> => {
      try {
        const answer = await call(
          'getContact',
          new URLSearchParams({ email, include_lists: '1' }),
          z.unknown()
        )
        return { found: true, lists: contactListsOf(answer) }
      } catch (err) {
        if (err instanceof ApiError && err.kind === 'fatal' && /not found/i.test(err.message))
          return { found: false }
        throw err
      }
    },

    /**
     * One contact's account-wide status, lists and user fields (getContact with include_lists and
     * include_fields), for field updates of incremental runs (#15): `found: false` when Unisender
     * does not know the address; `lists`/`fields` null when the answer names none.
     */
    getContactState: async (email: string): Promise<ContactState> => {
      try {
        const answer = await call(
          'getContact',
          new URLSearchParams({ email, include_lists: '1', include_fields: '1' }),
          z.unknown()
        )
        return { found: true, ...contactStateOf(answer) }
      } catch (err) {
        if (err instanceof ApiError && err.kind === 'fatal' && /not found/i.test(err.message))
          return { found: false }
        throw err
      }
    },

    /** Starts an asynchronous export of a list; returns the task id. */
    exportContacts: (listId: number, fieldNames: string[]) => {
      const p = new URLSearchParams({ list_id: String(listId) })
      for (const f of fieldNames) p.append('field_names[]', f)
      return call(
        'async/exportContacts',
        p,
        z.object({ task_uuid: z.string(), status: z.string().optional() }).loose()
      ).then((r) => r.task_uuid)
    },

    /** Status of an export task: 'completed' comes with the file URL. */
    getTaskResult: (taskUuid: string) =>
      call('async/getTaskResult', new URLSearchParams({ task_uuid: taskUuid }), TaskResult),

    /** Downloads an export file (streamed; the caller reads it in slices). */
    downloadFile: async (
      url: string,
      range?: { start: number; end: number }
    ): Promise<Response> => {
      await opts.limiter?.acquire()
      opts.onCall?.('download')
      const headers: Record<string, string> = range
        ? { range: `bytes=${range.start}-${range.end}` }
        : {}
      const res = await fetchWithTimeout(
        'unisender',
        doFetch,
        url,
        { method: 'GET', headers },
        timeoutMs
      )
      if (res.status >= 500)
        throw new ApiError(
          'unisender',
          'retryable',
          String(res.status),
          `export download failed: HTTP ${res.status}`,
          res.status,
          10
        )
      if (!res.ok)
        throw new ApiError(
          'unisender',
          'fatal',
          String(res.status),
          `export download failed: HTTP ${res.status}`,
          res.status
        )
      return res
    },

    /** Account info, including the plan's contact limit and usage when Unisender reports them. */
    getUserInfo: () => call('getUserInfo', new URLSearchParams(), UserInfo),

    /** Number of contacts in the account's base. */
    getTotalContactsCount: (login: string) =>
      call(
        'getTotalContactsCount',
        new URLSearchParams({ login }),
        z.object({ total: z.coerce.number() }).loose()
      ).then((r) => r.total),
  }
}

export type UnisenderClient = ReturnType<typeof createUnisenderClient>

/**
 * The field named `name`, created with `type` when the account has none (once, safe under
 * retries): looked up by exact name first, and again after a failed createField, since an earlier
 * attempt whose answer was lost, or a race, may have created it. Returns the field as it is in
 * Unisender (an existing field keeps its own type).
 */
export async function ensureField(
  uni: Pick<UnisenderClient, 'getFields' | 'createField'>,
  name: string,
  type: FieldType,
  opts: { publicName?: string; known?: readonly FieldDef[] } = {}
): Promise<FieldDef> {
  const find = async () => (await uni.getFields()).find((f) => f.name === name) ?? null
  // `known`: the caller's fresh getFields answer, saving one call per field.
  const found = opts.known ? (opts.known.find((f) => f.name === name) ?? null) : await find()
  if (found) return found
  try {
    const id = await uni.createField(name, type, opts.publicName)
    return { id, name, type }
  } catch (err) {
    const again = await find()
    if (!again) throw err
    return again
  }
}
