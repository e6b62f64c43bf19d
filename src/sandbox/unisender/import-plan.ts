/**
 * Decides what one importContacts call does, row by row, from the rows and the contacts' current
 * state: the counters and log the caller gets, and the writes to apply. Pure, so the consent rules
 * (no resubscription, exclusion only from the named lists) are testable case by case.
 */
import { checkEmail, LOG_CODES } from './email'
import { type FieldType, type FieldWrite, fieldValue } from './fields'
import { IMPORT_STATUSES, type ImportRow, MAX_TAGS } from './import-rows'
import type { ContactRow, Membership } from './store'
import type { NewContact } from './writes'

export interface ImportLogEntry {
  index: number
  code: string
  message: string
}

export interface ImportResult {
  total: number
  inserted: number
  updated: number
  deleted: number
  new_emails: number
  invalid: number
  log: ImportLogEntry[]
}

export interface ImportPlan {
  result: ImportResult
  newContacts: NewContact[]
  statusChanges: Map<string, string[]>
  tagChanges: Map<string, string[]>
  adds: Map<number, string[]>
  unsubscribes: Map<number, string[]>
  removes: Map<number, string[]>
  deletes: string[]
  /** User-field values to store (non-empty cells of imported rows). */
  fieldWrites: FieldWrite[]
}

export interface PlanInput {
  rows: readonly ImportRow[]
  existing: Map<string, ContactRow>
  memberships: Map<number, Membership[]>
  overwriteTags: boolean
  overwriteLists: boolean
  /** Types of the call's user-field columns. */
  fieldTypes?: ReadonlyMap<string, FieldType>
  /** Fault injection: whether this row fails. */
  rowFails?: (email: string) => boolean
}

const SUPPRESSED = new Set(['unsubscribed', 'blocked'])

function push<K>(map: Map<K, string[]>, key: K, email: string): void {
  const list = map.get(key)
  if (list) list.push(email)
  else map.set(key, [email])
}

function emptyPlan(total: number): ImportPlan {
  return {
    result: { total, inserted: 0, updated: 0, deleted: 0, new_emails: 0, invalid: 0, log: [] },
    newContacts: [],
    statusChanges: new Map(),
    tagChanges: new Map(),
    adds: new Map(),
    unsubscribes: new Map(),
    removes: new Map(),
    deletes: [],
    fieldWrites: [],
  }
}

/** The plan of one call. Later rows repeating an address are skipped (and logged). */
export function planImport(input: PlanInput): ImportPlan {
  const plan = emptyPlan(input.rows.length)
  const { log } = plan.result
  const seen = new Set<string>()
  for (const row of input.rows) {
    const problem = rowProblem(row, input.fieldTypes)
    if (problem) {
      if (problem.invalid) plan.result.invalid++
      log.push({ index: row.index, code: problem.code, message: problem.message })
      continue
    }
    const email = (checkEmail(row.email) as { email: string }).email
    if (seen.has(email)) {
      log.push({
        index: row.index,
        code: LOG_CODES.duplicate,
        message: `Duplicate email "${row.email}"`,
      })
      continue
    }
    seen.add(email)
    if (input.rowFails?.(email)) {
      log.push({
        index: row.index,
        code: LOG_CODES.injected,
        message: 'Temporary error, contact not imported',
      })
      continue
    }
    const ex = input.existing.get(email)
    if (row.delete) {
      if (ex) {
        plan.deletes.push(email)
        plan.result.deleted++
      }
    } else if (ex) {
      // A row refused for the contact's status writes none of its fields either (UNCONFIRMED).
      if (planExisting(plan, input, row, email, ex)) planFields(plan, input.fieldTypes, row, email)
    } else {
      planNew(plan, row, email)
      planFields(plan, input.fieldTypes, row, email)
    }
  }
  return plan
}

/**
 * Field values of an imported row. An empty cell leaves the stored value as it is (UNCONFIRMED on
 * the real service; docs/unisender.md §3 "User fields"). Values are stored whatever the contact's
 * status: keeping them from unsubscribed contacts is the module's job, and the tests check it.
 */
function planFields(
  plan: ImportPlan,
  types: ReadonlyMap<string, FieldType> | undefined,
  row: ImportRow,
  email: string
): void {
  for (const [name, raw] of row.fields) {
    if (raw.trim() === '') continue
    const value = fieldValue(types?.get(name) ?? 'string', raw)
    if (value !== null) plan.fieldWrites.push({ email, name, value })
  }
}

/** The first field value of a row its field's type refuses, if any. */
function badField(row: ImportRow, types: ReadonlyMap<string, FieldType> | undefined) {
  for (const [name, raw] of row.fields) {
    const type = types?.get(name) ?? 'string'
    if (raw.trim() !== '' && fieldValue(type, raw) === null) return { name, raw, type }
  }
  return null
}

/** Why a row cannot be imported at all, if it cannot. */
function rowProblem(
  row: ImportRow,
  types?: ReadonlyMap<string, FieldType>
): { code: string; message: string; invalid: boolean } | null {
  if (row.email === '' && row.phone !== '') {
    return {
      code: LOG_CODES.invalidRow,
      message: 'Phone-only contacts are not emulated',
      invalid: false,
    }
  }
  const check = checkEmail(row.email)
  if (!check.ok) return { code: check.code, message: check.message, invalid: true }
  if (row.status !== undefined && !IMPORT_STATUSES.has(row.status)) {
    return {
      code: LOG_CODES.invalidRow,
      message: `Invalid email_status "${row.status}"`,
      invalid: false,
    }
  }
  if ((row.tags?.length ?? 0) > MAX_TAGS) {
    return { code: LOG_CODES.invalidRow, message: `More than ${MAX_TAGS} tags`, invalid: false }
  }
  // UNCONFIRMED: the real code and text for a value the field's type refuses; the row is skipped.
  const bad = badField(row, types)
  if (bad) {
    return {
      code: LOG_CODES.invalidField,
      message: `Invalid value "${bad.raw.slice(0, 50)}" of field "${bad.name}" (type ${bad.type})`,
      invalid: false,
    }
  }
  return null
}

/** A new address: created with the given status (default `new`) and its lists. */
function planNew(plan: ImportPlan, row: ImportRow, email: string): void {
  const status = row.status ?? 'new'
  plan.result.inserted++
  if (status === 'new') plan.result.new_emails++
  plan.newContacts.push({ email, status, tags: (row.tags ?? []).join(',') })
  if (SUPPRESSED.has(status) && (row.listIds?.length ?? 0) > 0) {
    plan.result.log.push(suppressedEntry(row, status))
  } else {
    for (const l of row.listIds ?? []) push(plan.adds, l, email)
  }
  for (const l of row.unsubscribedListIds) push(plan.unsubscribes, l, email)
}

/**
 * An address already in the account. Status changes only from active/inactive (the docs). An
 * unsubscribed or blocked contact is not added to any list and keeps its status (and its fields:
 * false is returned); the row is counted as updated and logged (UNCONFIRMED: the real log text and whether the membership is
 * recorded). A list the contact unsubscribed from stays unsubscribed (logged, UNCONFIRMED).
 */
function planExisting(
  plan: ImportPlan,
  input: PlanInput,
  row: ImportRow,
  email: string,
  ex: ContactRow
): boolean {
  plan.result.updated++
  const members = new Map((input.memberships.get(ex.id) ?? []).map((m) => [m.listId, m.status]))
  let status = ex.status
  const suppressed = SUPPRESSED.has(status)
  if (
    row.status !== undefined &&
    row.status !== status &&
    (status === 'active' || status === 'inactive')
  ) {
    status = row.status
    push(plan.statusChanges, status, email)
  }
  if (status === 'new') plan.result.new_emails++
  const wanted = (row.listIds ?? []).filter((l) => members.get(l) !== 'active')
  const wantsStatus = row.status !== undefined && row.status !== ex.status
  const refused = suppressed && (wanted.length > 0 || wantsStatus)
  if (refused) {
    plan.result.log.push(suppressedEntry(row, ex.status))
  } else {
    const unsubscribedFrom = wanted.filter((l) => members.get(l) === 'unsubscribed')
    for (const l of wanted) if (!members.has(l)) push(plan.adds, l, email)
    if (unsubscribedFrom.length > 0) {
      plan.result.log.push({
        index: row.index,
        code: LOG_CODES.unsubscribedFromList,
        message: `Contact "${row.email}" unsubscribed from list(s) ${unsubscribedFrom.join(',')} and is not re-added`,
      })
    }
  }
  for (const l of row.unsubscribedListIds) push(plan.unsubscribes, l, email)
  const keep = new Set([...(row.listIds ?? []), ...row.unsubscribedListIds])
  for (const [l, s] of members) {
    if (s !== 'active') continue
    if (row.excludedListIds.includes(l) || (input.overwriteLists && !keep.has(l)))
      push(plan.removes, l, email)
  }
  if (row.tags !== undefined) planTags(plan, input.overwriteTags, row.tags, ex, email)
  return !refused
}

function planTags(
  plan: ImportPlan,
  overwrite: boolean,
  tags: string[],
  ex: ContactRow,
  email: string
): void {
  const current = ex.tags === '' ? [] : ex.tags.split(',')
  const next = overwrite ? tags : [...new Set([...current, ...tags])]
  const joined = next.join(',')
  if (joined !== ex.tags) push(plan.tagChanges, joined, email)
}

function suppressedEntry(row: ImportRow, status: string): ImportLogEntry {
  return {
    index: row.index,
    code: status === 'blocked' ? LOG_CODES.blocked : LOG_CODES.unsubscribed,
    message: `Contact "${row.email}" has status ${status}: it cannot be resubscribed, lists and status not changed`,
  }
}
