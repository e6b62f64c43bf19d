/**
 * The sync form's data and validation, against live sources: segments come from the tenant's CRM,
 * lists from the chosen Unisender account. A segment or list deleted meanwhile, the same segment and
 * list twice, an over-long title and a plan too small are all answered in the form. Domain code:
 * takes its dependencies, never a Hono context.
 */
import { accountClient, INTERACTIVE_TIMEOUT_MS, planOf } from '../accounts/unisender-key'
import { ApiError } from '../clients/errors'
import { type ClientSettings, tenantCrmClient } from '../credentials/clients'
import type { Db } from '../db/client'
import { getAccount } from '../db/queries/accounts'
import { findDuplicateSync, findListSharers, listRuns, type NewSync } from '../db/queries/syncs'
import type { Run, Sync, SyncMode, Tenant, UnisenderAccount } from '../db/schema'
import type { T } from '../i18n'
import { errorText } from '../lib/error-text'
import { DEFAULT_FIELD_MAP, parseCounts } from '../sync'
import { type FieldOptions, loadFieldOptions, validateFieldRows } from './fields'
import { cachedSegments, cacheSegments } from './segments-cache'
import {
  LIST_TITLE_MAX,
  type SegmentOption,
  type SyncFormErrors,
  type SyncFormValues,
} from './values'

export interface FormDeps {
  db: Db
  settings: ClientSettings
  tenant: Tenant
  t: T
}

/** Segment pages read for the select (100 per page): up to 2,000 segments. */
const SEGMENT_PAGES = 20

/**
 * Rate-limit answers a person's request retries (each call up to 3 times, 0.25 + 0.5 + 1 s): the
 * shop's runs leave headroom in the 10 requests/s (crm-pacing.ts), so a refusal means a burst
 * that ends within a second or two, and the person's read goes through instead of failing.
 */
const INTERACTIVE_RATE_RETRIES = 6

/** The tenant's CRM client for a request a person waits on: short timeout, rate-limit retries. */
function interactiveCrm(d: FormDeps) {
  return tenantCrmClient(d.settings, d.tenant, {
    timeoutMs: INTERACTIVE_TIMEOUT_MS,
    rateLimitRetry: {
      budget: INTERACTIVE_RATE_RETRIES,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    },
  })
}

/** The tenant's active segments for the select (from a 60 s cache), or why they could not be read. */
export async function loadSegments(d: FormDeps): Promise<SegmentOption[] | { error: string }> {
  const cached = await cachedSegments(d.tenant)
  if (cached) return cached
  try {
    const crm = await interactiveCrm(d)
    const out: SegmentOption[] = []
    for (let page = 1; page <= SEGMENT_PAGES; page++) {
      const res = await crm.listSegments({ page, limit: 100, active: true })
      for (const s of res.segments)
        out.push({
          id: s.id,
          name: s.name,
          customersCount: s.customersCount,
          isDynamic: s.isDynamic,
        })
      if (page >= res.pagination.totalPageCount) break
    }
    await cacheSegments(d.tenant, out)
    return out
  } catch (err) {
    return { error: errorText(err) }
  }
}

/** The contact-field sources and the account's Unisender fields for the form (#15). */
export async function loadFormFieldOptions(
  d: FormDeps,
  account: UnisenderAccount | null
): Promise<FieldOptions> {
  return loadFieldOptions(d, await interactiveCrm(d), account)
}

/** The lists of an account, or why they could not be read. */
export async function loadLists(
  d: FormDeps,
  account: UnisenderAccount | null
): Promise<{ id: number; title: string }[] | { error: string }> {
  if (!account) return []
  try {
    const lists = await (await accountClient(d.settings, account)).getLists()
    return lists.map((l) => ({ id: l.id, title: l.title }))
  } catch (err) {
    return { error: errorText(err) }
  }
}

export type Validated =
  | {
      ok: true
      row: Omit<NewSync, 'tenantId'>
      account: UnisenderAccount
      /** Customers the sync would send (segment count, or all customers), null if unknown. */
      need: number | null
      /** Names of the other syncs (union/subtraction) that write the same list: ask first. */
      sharedWith: string[]
    }
  | { ok: false; errors: SyncFormErrors }

const positiveInt = (s?: string) => (s && /^\d{1,12}$/.test(s) ? Number(s) : 0)

/** Resolves the source: the chosen segment (re-read now) or all customers. */
async function resolveSource(d: FormDeps, v: SyncFormValues, e: SyncFormErrors) {
  const crm = await interactiveCrm(d)
  if (v.allCustomers) {
    const res = await crm.listCustomers({ limit: 20 })
    return { segment: null, need: res.pagination.totalCount }
  }
  const id = positiveInt(v.segmentId)
  if (!id) {
    e.segment = d.t('form.err.segmentRequired')
    return null
  }
  const res = await crm.listSegments({ ids: [id], limit: 20 })
  const segment = res.segments.find((s) => s.id === id && s.active)
  if (!segment) {
    e.segment = d.t('form.err.segmentGone')
    return null
  }
  return { segment, need: segment.customersCount }
}

/** Validates a submitted form; `exceptId` is the sync being edited. */
export async function validateSyncForm(
  d: FormDeps,
  v: SyncFormValues,
  exceptId?: number
): Promise<Validated> {
  const e: SyncFormErrors = {}
  const account = await getAccount(d.db, d.tenant.id, positiveInt(v.accountId))
  if (!account)
    e.account = v.accountId ? d.t('form.err.accountGone') : d.t('form.err.accountRequired')
  if (!v.mode) e.mode = d.t('form.err.modeRequired')
  if ((v.listTitle?.length ?? 0) > LIST_TITLE_MAX)
    e.listTitle = d.t('form.err.titleTooLong', { max: LIST_TITLE_MAX })
  // A title typed without the box would be silently dropped: say so instead.
  else if (v.listTitle && !v.createList) e.listTitle = d.t('form.err.titleWithoutCreate')
  let source: Awaited<ReturnType<typeof resolveSource>> = null
  try {
    source = await resolveSource(d, v, e)
  } catch (err) {
    e.segment = d.t('form.segmentsUnavailable', { message: errorText(err) })
  }
  // Contact fields (#15): rows as submitted; a create without rows gets first name → Name, an
  // edit without rows keeps the sync's mapping.
  let fieldMap: string | undefined
  if (v.fields) {
    const options = await loadFormFieldOptions(d, account ?? null)
    fieldMap = JSON.stringify(validateFieldRows(d.t, v.fields, options, e))
  } else if (exceptId === undefined) fieldMap = JSON.stringify(DEFAULT_FIELD_MAP)
  let listId: number | null = null
  let listTitle = ''
  if (v.createList) {
    listTitle = v.listTitle || source?.segment?.name || d.t('syncs.allCustomers')
  } else if (!positiveInt(v.listId)) {
    e.list = d.t('form.err.listRequired')
  } else if (account) {
    const lists = await loadLists(d, account)
    if ('error' in lists) e.list = d.t('form.listsUnavailable', { message: lists.error })
    else {
      const found = lists.find((l) => l.id === positiveInt(v.listId))
      if (!found) e.list = d.t('form.err.listGone')
      else [listId, listTitle] = [found.id, found.title]
    }
  }
  if (Object.keys(e).length || !account || !source || !v.mode) return { ok: false, errors: e }
  const row = {
    unisenderAccountId: account.id,
    allCustomers: Boolean(v.allCustomers),
    segmentId: source.segment?.id ?? null,
    segmentCode: source.segment?.code ?? null,
    segmentName: source.segment?.name ?? null,
    segmentIsDynamic: source.segment?.isDynamic ?? null,
    listId,
    listTitle,
    createList: Boolean(v.createList),
    mode: v.mode as SyncMode,
    ...(fieldMap !== undefined ? { fieldMap } : {}),
  }
  if (await findDuplicateSync(d.db, d.tenant.id, row, exceptId))
    return { ok: false, errors: { form: d.t('form.err.duplicate') } }
  // Exact match owns its list: with any other writer the two would undo each other every run.
  const sharers = await findListSharers(d.db, d.tenant.id, row, exceptId)
  const names = sharers.map((s) =>
    s.allCustomers ? d.t('syncs.allCustomers') : (s.segmentName ?? '')
  )
  if (sharers.length && (row.mode === 'exact' || sharers.some((s) => s.mode === 'exact')))
    return {
      ok: false,
      errors: { list: d.t('form.err.listTaken', { syncs: names.map((n) => `«${n}»`).join(', ') }) },
    }
  return { ok: true, row, account, need: source.need, sharedWith: names }
}

/**
 * The new contacts a re-saved sync would bring, from its last finished run when the edit keeps its
 * source, account and list: a dry run's planned additions, or nothing after a real run (its
 * members are in the list already), plus the customers the source gained since. Otherwise (new
 * sync, changed target, no finished run) the whole source, as before: conservative.
 */
export function estimateNewContacts(need: number | null, last: Run | null): number | null {
  if (need == null || !last) return need
  const counts = parseCounts(last.counts)
  const grown = Math.max(0, need - counts.readFromCrm)
  return (last.dryRun ? counts.plannedAdd : 0) + grown
}

/** The last finished run of `sync` whose settings the validated form keeps, or null. */
export async function comparableRun(
  d: FormDeps,
  sync: Sync,
  row: Omit<NewSync, 'tenantId'>
): Promise<Run | null> {
  const same =
    sync.unisenderAccountId === row.unisenderAccountId &&
    sync.listId != null &&
    sync.listId === row.listId &&
    sync.allCustomers === row.allCustomers &&
    sync.segmentId === row.segmentId
  if (!same) return null
  const runs = await listRuns(d.db, d.tenant.id, sync.id, 10)
  return runs.find((r) => r.status === 'done') ?? null
}

/**
 * Whether the account's plan looks too small for the sync: `need` customers against the free
 * contacts (subscribers_total − subscribers_used, meaning UNCONFIRMED). Conservative: customers
 * already in the account count as new. Subtraction never adds, so it never needs room.
 */
export async function planTooSmall(
  d: FormDeps,
  account: UnisenderAccount,
  need: number | null,
  mode: SyncMode
): Promise<{ need: number; left: number; total: number } | null> {
  if (mode === 'subtract' || !need) return null
  try {
    const plan = planOf(await (await accountClient(d.settings, account)).getUserInfo())
    if (plan.total == null || plan.total <= 0) return null
    const left = Math.max(0, plan.total - (plan.used ?? 0))
    return need > left ? { need, left, total: plan.total } : null
  } catch (err) {
    if (err instanceof ApiError) return null // the run itself will report it
    throw err
  }
}
