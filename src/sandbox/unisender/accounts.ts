/**
 * Administration of the emulator's state outside the API: creating accounts and lists, seeding
 * contacts, reading list members. Used by the demo seed, the test handle, the control endpoint and
 * the inspection page — never reachable with an API key.
 */
import { type Account, chunk, findAccountByLogin } from './store'
import { addMembers, insertContacts, unsubscribeMembers } from './writes'

export interface NewAccount {
  login: string
  apiKey: string
  email?: string
  testMode?: boolean
  apiEnabled?: boolean
  /** The plan's contact limit. */
  contactLimit?: number
  balance?: number
  currency?: string
}

export const DEFAULT_CONTACT_LIMIT = 100_000

/** Creates an account; an existing login or key is an error. */
export async function createAccount(db: D1Database, a: NewAccount, now: number): Promise<Account> {
  await db
    .prepare(
      'INSERT INTO uni_accounts (login, api_key, email, test_mode, api_enabled, contact_limit, balance, currency, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'
    )
    .bind(
      a.login,
      a.apiKey,
      a.email ?? `${a.login}@sandbox.test`,
      a.testMode ? 1 : 0,
      a.apiEnabled === false ? 0 : 1,
      a.contactLimit ?? DEFAULT_CONTACT_LIMIT,
      a.balance ?? 0,
      a.currency ?? 'RUB',
      now
    )
    .run()
  return (await findAccountByLogin(db, a.login))!
}

/** Switches test mode, API access or the plan limit of an account. */
export async function updateAccount(
  db: D1Database,
  login: string,
  patch: { testMode?: boolean; apiEnabled?: boolean; contactLimit?: number }
): Promise<void> {
  const sets: string[] = []
  const args: (number | string)[] = []
  if (patch.testMode !== undefined) {
    sets.push('test_mode = ?')
    args.push(patch.testMode ? 1 : 0)
  }
  if (patch.apiEnabled !== undefined) {
    sets.push('api_enabled = ?')
    args.push(patch.apiEnabled ? 1 : 0)
  }
  if (patch.contactLimit !== undefined) {
    sets.push('contact_limit = ?')
    args.push(patch.contactLimit)
  }
  if (sets.length === 0) return
  await db
    .prepare(`UPDATE uni_accounts SET ${sets.join(', ')} WHERE login = ?`)
    .bind(...args, login)
    .run()
}

/** Creates a list directly (no uniqueness message: a duplicate title throws). */
export async function createListRow(
  db: D1Database,
  accountId: number,
  title: string,
  now: number
): Promise<number> {
  const row = await db
    .prepare('INSERT INTO uni_lists (account_id, title, created_at) VALUES (?, ?, ?) RETURNING id')
    .bind(accountId, title, now)
    .first<{ id: number }>()
  return row!.id
}

export interface SeedContact {
  email: string
  /** Account-wide status; default 'active'. Any of the real statuses, e.g. 'blocked'. */
  status?: string
  tags?: string
  /** Lists the contact is an active member of. */
  lists?: number[]
  /** Lists the contact unsubscribed from. */
  unsubscribedLists?: number[]
}

/**
 * Writes contacts as they would be after any history (statuses the API cannot set, such as blocked,
 * included). Existing addresses keep their row but get the given status; memberships are added.
 */
export async function seedContacts(
  db: D1Database,
  accountId: number,
  contacts: readonly SeedContact[],
  now: number
): Promise<void> {
  const norm = contacts.map((c) => ({ ...c, email: c.email.toLowerCase() }))
  const stmts = insertContacts(
    db,
    accountId,
    norm.map((c) => ({ email: c.email, status: c.status ?? 'active', tags: c.tags ?? '' })),
    now,
    true
  )
  const add = new Map<number, string[]>()
  const unsub = new Map<number, string[]>()
  const push = <K>(m: Map<K, string[]>, k: K, v: string) => {
    const list = m.get(k)
    if (list) list.push(v)
    else m.set(k, [v])
  }
  for (const c of norm) {
    for (const l of c.lists ?? []) push(add, l, c.email)
    for (const l of c.unsubscribedLists ?? []) push(unsub, l, c.email)
  }
  for (const [listId, emails] of add)
    stmts.push(...addMembers(db, accountId, listId, emails, now, false))
  for (const [listId, emails] of unsub) {
    stmts.push(...unsubscribeMembers(db, accountId, listId, emails, now))
  }
  for (const part of chunk(stmts, 50)) await db.batch(part)
}

export interface Member {
  contactId: number
  email: string
  /** The contact's account-wide status. */
  status: string
  /** The membership: 'active' or 'unsubscribed' (from this list). */
  listStatus: 'active' | 'unsubscribed'
  addedAt: number
}

/** A page of a list's members in contact id order (after = last contact id seen). */
export async function listMembers(
  db: D1Database,
  listId: number,
  opts: { after?: number; limit?: number } = {}
): Promise<Member[]> {
  const { results } = await db
    .prepare(
      `SELECT c.id AS contactId, c.email, c.status, m.status AS listStatus, m.added_at AS addedAt
       FROM uni_members m JOIN uni_contacts c ON c.id = m.contact_id
       WHERE m.list_id = ? AND m.contact_id > ? ORDER BY m.contact_id LIMIT ?`
    )
    .bind(listId, opts.after ?? 0, opts.limit ?? 100_000)
    .all<Member>()
  return results
}
