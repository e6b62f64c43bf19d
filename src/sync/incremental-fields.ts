/**
 * Contact fields in incremental runs (#15): a change of mapped customer data, picked up from
 * customers/history by the poller (src/schedule/history.ts, poll.ts records the raw values), is
 * written to just the contacts it concerns.
 *
 * Why getContact per address: an incremental run does not read the list export, so it cannot tell
 * from its own data whether a contact is unsubscribed or blocked in Unisender, or has left this
 * list (77e11e5 withdrew a first attempt for that reason). Each candidate is looked up before any
 * value is written, at most MAX_FIELD_CHECKS a run (more turns the run full, whose export
 * comparison writes the values safely) and CHECKS_PER_STEP a step. A value is written only to a
 * contact found in this list, not unsubscribed/excluded/blocked there nor account-wide, and only
 * where it differs from what getContact shows (when it shows fields). An address Unisender does
 * not know gets no value here (the next full run writes it). Update rows carry empty list cells
 * and no status (step-write.ts importRow), so nothing is subscribed or re-subscribed; CRM opt-outs
 * and non-members are never candidates; subtraction writes no fields.
 */
import { ApiError } from '../clients/errors'
import type { ContactState, UnisenderClient } from '../clients/unisender'
import type { StepContext } from './context'
import { type FieldMapping, normaliseValue, packValues, unpackValues } from './field-values'
import type { TouchedCustomer } from './incremental-exact'
import { CHECKS_PER_STEP, isMember } from './resent-check'
import { SAMPLE_SIZE, SIDES } from './state'
import { stageBatches } from './step-diff'

/** Most contacts one incremental run checks and updates; more = a full run (UNCONFIRMED cap). */
export const MAX_FIELD_CHECKS = 200

/** `cf:*` in a record's changed sources: some custom field whose code history did not name. */
const ANY_CUSTOM = 'cf:*'

const changedSource = (changed: readonly string[], source: string) =>
  changed.includes(source) || (source.startsWith('cf:') && changed.includes(ANY_CUSTOM))

/**
 * The contacts whose mapped values the run may write, with the packed normalised values of the
 * changed sources only (others empty: never sent). Valid members only; an address two touched
 * members share is left to the full run. Pure.
 */
export function fieldCandidates(
  fields: readonly (FieldMapping & { exists?: boolean })[],
  touched: readonly TouchedCustomer[]
): [email: string, packed: string][] {
  if (fields.length === 0) return []
  const byEmail = new Map<string, string | null>()
  for (const t of touched) {
    if (t.kind === 'gone' || t.email === '') continue
    if (byEmail.has(t.email)) {
      byEmail.set(t.email, null)
      continue
    }
    if (!t.member || t.kind !== 'valid' || !t.values || !t.changed) {
      byEmail.set(t.email, null)
      continue
    }
    const raw = t.values
    const changed = t.changed
    const values = fields.map((f) =>
      f.exists !== false && changedSource(changed, f.source) && Object.hasOwn(raw, f.source)
        ? normaliseValue(f.type, raw[f.source] ?? '')
        : ''
    )
    const packed = packValues(values)
    byEmail.set(t.email, packed === '' ? null : packed)
  }
  return [...byEmail]
    .filter((e): e is [string, string] => e[1] !== null)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
}

/**
 * The values to write to one contact given its getContact answer, or null for none: not found,
 * unsubscribed or blocked account-wide, not an active member of `listId`, or nothing that differs
 * from the fields the answer shows. Pure.
 */
export function valuesToWrite(
  state: ContactState,
  listId: number,
  fields: readonly FieldMapping[],
  values: readonly string[]
): string[] | null {
  if (!state.found) return null
  if (/unsub|block/i.test(state.status ?? '')) return null
  if (state.lists === null || !isMember(state.lists, listId)) return null
  const shown = state.fields
  const out = values.map((v, i) => {
    const f = fields[i]
    if (v === '' || !f) return ''
    const have = shown && Object.hasOwn(shown, f.target) ? shown[f.target] : undefined
    return have !== undefined && normaliseValue(f.type, have) === v ? '' : v
  })
  return out.some((v) => v !== '') ? out : null
}

/**
 * Looks up the pending candidates (cursor.pendFields), CHECKS_PER_STEP a step, queues an update row
 * (`~email<TAB>values`) for each that may be written, or else the plain addition the run held
 * back for it, and stages them as mixed batches once all are checked: additions and updates share
 * import calls as in full runs.
 */
export async function drainFieldChecks(
  ctx: StepContext,
  uni: UnisenderClient,
  listId: number
): Promise<void> {
  const c = ctx.cursor
  const pend = c.pendFields
  let n = 0
  while (pend.length > 0 && n < CHECKS_PER_STEP && !(n > 0 && ctx.pastTimeBudget())) {
    const [email, packed, add] = pend[0]!
    n++
    let state: ContactState
    try {
      state = await uni.getContactState(email)
    } catch (err) {
      // Retryable and auth errors behave as for any call; a refused check writes nothing.
      if (!(err instanceof ApiError) || err.kind !== 'fatal') throw err
      state = { found: false }
    }
    const values = valuesToWrite(state, listId, c.fields, unpackValues(packed, c.fields.length))
    if (values) {
      // An active member: the update row alone (re-adding it would change nothing).
      c.pend.push(`~${email}\t${packValues(values)}`)
      ctx.counts.plannedUpdate++
      if (c.sampleU.length < SAMPLE_SIZE) c.sampleU.push(email)
    } else if (add) c.pend.push(`+${email}`) // the run's plain addition, held back for the check
    pend.shift()
  }
  if (pend.length > 0) return
  stageBatches(ctx, true)
  if (c.sampleU.length > 0) ctx.stage(SIDES.sampleUpdate, 0, c.sampleU, 0)
}
