/**
 * exclude, unsubscribe (one contact per call) and getContact. `exclude` removes list membership and
 * can be undone by a later import; `unsubscribe` is irreversible through the API, which is why the
 * module must never call it — tests count its calls.
 */
import type { MethodContext } from '../context'
import { invalidArg, UniError } from '../errors'
import { accountFields, exportedValue, valuesOf } from '../fields'
import { flag, idList, requiredStr, str } from '../params'
import { findContacts, type Membership, membershipsOf, ownedListIds } from '../store'
import { removeMembers, unsubscribeMembers } from '../writes'

function notFound(contact: string): UniError {
  return new UniError('unspecified', `Contact "${contact}" not found`)
}

/** The contact and the lists the call targets (the given ones, or all its lists when omitted). */
async function target(ctx: MethodContext) {
  const type = requiredStr(ctx.params, 'contact_type')
  if (type !== 'email' && type !== 'phone') throw invalidArg('contact_type must be email or phone')
  const contact = requiredStr(ctx.params, 'contact')
  const listIds = idList(str(ctx.params, 'list_ids'), 'list_ids')
  const owned = await ownedListIds(ctx.db, ctx.account.id, listIds)
  const unknown = listIds.filter((id) => !owned.has(id))
  if (unknown.length > 0) throw invalidArg(`List ids="${unknown.join(',')}" not found`)
  if (type === 'phone') throw notFound(contact) // the sandbox stores no phones
  const email = contact.toLowerCase()
  const row = (await findContacts(ctx.db, ctx.account.id, [email])).get(email)
  if (!row) throw notFound(contact)
  const members = (await membershipsOf(ctx.db, [row.id])).get(row.id) ?? []
  return { contact, email, row, members, listIds }
}

export async function exclude(ctx: MethodContext): Promise<Record<string, never>> {
  const { contact, email, members, listIds } = await target(ctx)
  const hit = members.filter((m) => listIds.length === 0 || listIds.includes(m.listId))
  if (hit.length === 0) throw notFound(contact)
  if (!ctx.account.testMode) {
    const active = hit.filter((m) => m.status === 'active')
    const stmts = active.flatMap((m) => removeMembers(ctx.db, ctx.account.id, m.listId, [email]))
    if (stmts.length > 0) await ctx.db.batch(stmts)
  }
  return {}
}

export async function unsubscribe(ctx: MethodContext): Promise<Record<string, never>> {
  const { email, members, listIds } = await target(ctx)
  const lists = listIds.length > 0 ? listIds : members.map((m: Membership) => m.listId)
  if (!ctx.account.testMode && lists.length > 0) {
    await ctx.db.batch(
      lists.flatMap((l) => unsubscribeMembers(ctx.db, ctx.account.id, l, [email], ctx.now))
    )
  }
  return {}
}

export async function getContact(ctx: MethodContext) {
  const raw = requiredStr(ctx.params, 'email')
  const email = raw.toLowerCase()
  const row = await ctx.db
    .prepare(
      'SELECT id, email, status, added_at FROM uni_contacts WHERE account_id = ? AND email = ?'
    )
    .bind(ctx.account.id, email)
    .first<{ id: number; email: string; status: string; added_at: number }>()
  if (!row) throw notFound(raw)
  const out: Record<string, unknown> = {
    email: {
      email: row.email,
      added_at: formatTime(row.added_at),
      status: row.status,
      availability: 'available',
    },
  }
  if (flag(ctx.params, 'include_lists')) {
    const { results } = await ctx.db
      .prepare(
        'SELECT list_id, status, added_at FROM uni_members WHERE contact_id = ? ORDER BY list_id'
      )
      .bind(row.id)
      .all<{ list_id: number; status: string; added_at: number }>()
    out.lists = results.map((m) => ({
      id: m.list_id,
      status: m.status,
      added_at: formatTime(m.added_at),
    }))
  }
  if (flag(ctx.params, 'include_fields')) {
    // Beside `email`, name → value as the export shows it (the place is UNCONFIRMED, §9).
    const types = new Map(
      (await accountFields(ctx.db, ctx.account.id)).map((f) => [f.name, f.type])
    )
    const values = (await valuesOf(ctx.db, [row.id])).get(row.id) ?? new Map<string, string>()
    out.fields = Object.fromEntries(
      [...values].map(([name, v]) => [name, exportedValue(types.get(name) ?? 'string', v)])
    )
  }
  return out
}

/** `YYYY-MM-DD hh:mm:ss` in UTC, the format of the docs' time fields. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}
