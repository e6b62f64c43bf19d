/** getLists and createList. List titles are unique per account; a duplicate is an error. */
import { createListRow } from '../accounts'
import type { MethodContext } from '../context'
import { invalidArg } from '../errors'
import { requiredStr } from '../params'
import { getLists as readLists } from '../store'

export async function getLists(ctx: MethodContext): Promise<{ id: number; title: string }[]> {
  return readLists(ctx.db, ctx.account.id)
}

/**
 * The duplicate-title error. Its real code and message are UNCONFIRMED (docs/unisender.md §3): we answer
 * `invalid_arg` with this message. Titles compare exactly (case-sensitive), also UNCONFIRMED.
 */
export function duplicateTitleError(title: string) {
  return invalidArg(`List with title "${title}" already exists`)
}

export async function createList(ctx: MethodContext): Promise<{ id: number }> {
  const title = requiredStr(ctx.params, 'title')
  const { db, account } = ctx
  const dup = await db
    .prepare('SELECT id FROM uni_lists WHERE account_id = ? AND title = ?')
    .bind(account.id, title)
    .first<{ id: number }>()
  if (dup) throw duplicateTitleError(title)
  if (account.testMode) {
    // Test mode reports success with an id that does not exist (nothing is created).
    return { id: 900_000_000 + (ctx.now % 1_000_000) }
  }
  try {
    return { id: await createListRow(db, account.id, title, ctx.now) }
  } catch (err) {
    if (String(err).includes('UNIQUE')) throw duplicateTitleError(title)
    throw err
  }
}
