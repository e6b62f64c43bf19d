/**
 * importContacts: up to 500 rows per call, applied as one D1 batch (all or nothing). The plan's
 * contact limit is checked before writing and enforced again by a trigger inside the batch; with
 * the partialPlanLimit fault, a call over the limit imports what fits before it is refused.
 */
import type { MethodContext } from '../context'
import { checkEmail } from '../email'
import { invalidArg, UniError } from '../errors'
import { accountFields, setFieldValues, userColumns } from '../fields'
import { type ImportPlan, type ImportResult, planImport } from '../import-plan'
import { mentionedListIds, parseRows, readTable, SYSTEM_FIELDS } from '../import-rows'
import { flag } from '../params'
import { PLAN_LIMIT_MARKER } from '../schema'
import { findContacts, membershipsOf, ownedListIds } from '../store'
import {
  addMembers,
  deleteContacts,
  insertContacts,
  removeMembers,
  setStatus,
  setTags,
  unsubscribeMembers,
} from '../writes'

/**
 * The tariff error. The real code and message are UNCONFIRMED (docs/unisender.md §5, §8.3): we answer
 * `unspecified` with a message naming the contact limit of the tariff, and reject the whole call.
 */
export function planLimitError(limit: number, current: number, adding: number): UniError {
  return new UniError(
    'unspecified',
    `Contact limit of your tariff exceeded: the tariff allows ${limit} contacts, the account has ${current}, this import would add ${adding}`
  )
}

export async function importContacts(ctx: MethodContext): Promise<ImportResult> {
  const { db, account, params } = ctx
  const { fields, data } = readTable(params)
  const fieldTypes = userColumns(fields, SYSTEM_FIELDS, await accountFields(db, account.id))
  const rows = parseRows(fields, data)
  const overwriteTags = flag(params, 'overwrite_tags')
  const overwriteLists = flag(params, 'overwrite_lists')
  const mentioned = mentionedListIds(rows)
  const owned = await ownedListIds(db, account.id, mentioned)
  const unknown = mentioned.filter((id) => !owned.has(id))
  // UNCONFIRMED: the real answer to a foreign or missing list id; we refuse the whole call.
  if (unknown.length > 0) throw invalidArg(`List ids="${unknown.join(',')}" not found`)
  const emails = [
    ...new Set(rows.flatMap((r) => (checkEmail(r.email).ok ? [r.email.toLowerCase()] : []))),
  ]
  const existing = await findContacts(db, account.id, emails)
  const memberships = await membershipsOf(
    db,
    [...existing.values()].map((c) => c.id)
  )
  const planOf = (of: typeof rows) =>
    planImport({
      rows: of,
      existing,
      memberships,
      overwriteTags,
      overwriteLists,
      fieldTypes,
      rowFails: (email) => ctx.state.faults.rowFails(email),
    })
  const plan = planOf(rows)
  // Test mode: writes report success and change nothing (as the real one).
  if (account.testMode) return plan.result
  const adding = plan.newContacts.length
  if (adding > 0 && account.contactCount - plan.deletes.length + adding > account.contactLimit) {
    if (ctx.state.faults.partialPlanLimit()) await importWhatFits(ctx, rows, plan, planOf)
    throw planLimitError(account.contactLimit, account.contactCount, adding)
  }
  const stmts = statements(db, account.id, plan, ctx.now)
  try {
    if (stmts.length > 0) await db.batch(stmts)
  } catch (err) {
    if (String(err).includes(PLAN_LIMIT_MARKER)) {
      throw planLimitError(account.contactLimit, account.contactCount, adding)
    }
    throw err
  }
  return plan.result
}

/**
 * The partialPlanLimit fault: writes the rows that fit — rows of existing contacts, and new
 * contacts in row order until the plan is full — before the caller refuses the call.
 */
async function importWhatFits<R extends { email: string }>(
  ctx: MethodContext,
  rows: R[],
  plan: ImportPlan,
  planOf: (rows: R[]) => ImportPlan
): Promise<void> {
  const room = Math.max(
    0,
    ctx.account.contactLimit - ctx.account.contactCount + plan.deletes.length
  )
  const fresh = new Set(plan.newContacts.map((c) => c.email))
  const taken = new Set<string>()
  const fits = rows.filter((r) => {
    const email = r.email.toLowerCase()
    if (!fresh.has(email) || taken.has(email)) return true
    if (taken.size >= room) return false
    taken.add(email)
    return true
  })
  const stmts = statements(ctx.db, ctx.account.id, planOf(fits), ctx.now)
  if (stmts.length > 0) await ctx.db.batch(stmts)
}

/** The writes of a plan, in an order where exclusion wins over addition. */
function statements(db: D1Database, accountId: number, plan: ImportPlan, now: number) {
  const out = insertContacts(db, accountId, plan.newContacts, now)
  for (const [status, emails] of plan.statusChanges)
    out.push(...setStatus(db, accountId, status, emails))
  for (const [tags, emails] of plan.tagChanges) out.push(...setTags(db, accountId, tags, emails))
  for (const [l, emails] of plan.unsubscribes) {
    out.push(...unsubscribeMembers(db, accountId, l, emails, now))
  }
  for (const [l, emails] of plan.adds) out.push(...addMembers(db, accountId, l, emails, now))
  for (const [l, emails] of plan.removes) out.push(...removeMembers(db, accountId, l, emails))
  out.push(...setFieldValues(db, accountId, plan.fieldWrites))
  out.push(...deleteContacts(db, accountId, plan.deletes))
  return out
}
