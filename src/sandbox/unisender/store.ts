/**
 * Reads of the emulator's state: accounts, lists, contacts and their list memberships. Every query
 * is scoped by account and served by an index; IN-lists are chunked to stay under D1's 100 bound
 * parameters per statement.
 */

export interface Account {
  id: number
  login: string
  apiKey: string
  email: string
  testMode: boolean
  apiEnabled: boolean
  contactLimit: number
  contactCount: number
  balance: number
  currency: string
  createdAt: number
}

export interface ContactRow {
  id: number
  email: string
  status: string
  tags: string
}

export interface Membership {
  listId: number
  status: 'active' | 'unsubscribed'
}

type AccountRecord = {
  id: number
  login: string
  api_key: string
  email: string
  test_mode: number
  api_enabled: number
  contact_limit: number
  contact_count: number
  balance: number
  currency: string
  created_at: number
}

function toAccount(r: AccountRecord): Account {
  return {
    id: r.id,
    login: r.login,
    apiKey: r.api_key,
    email: r.email,
    testMode: r.test_mode === 1,
    apiEnabled: r.api_enabled === 1,
    contactLimit: r.contact_limit,
    contactCount: r.contact_count,
    balance: r.balance,
    currency: r.currency,
    createdAt: r.created_at,
  }
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Placeholders `?, ?, ?` for n parameters. */
export function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ')
}

export async function findAccountByKey(db: D1Database, apiKey: string): Promise<Account | null> {
  const r = await db
    .prepare('SELECT * FROM uni_accounts WHERE api_key = ?')
    .bind(apiKey)
    .first<AccountRecord>()
  return r ? toAccount(r) : null
}

export async function findAccountByLogin(db: D1Database, login: string): Promise<Account | null> {
  const r = await db
    .prepare('SELECT * FROM uni_accounts WHERE login = ?')
    .bind(login)
    .first<AccountRecord>()
  return r ? toAccount(r) : null
}

export async function listAccounts(db: D1Database): Promise<Account[]> {
  const { results } = await db
    .prepare('SELECT * FROM uni_accounts ORDER BY id')
    .all<AccountRecord>()
  return results.map(toAccount)
}

/** The account's lists in creation order. */
export async function getLists(
  db: D1Database,
  accountId: number
): Promise<{ id: number; title: string }[]> {
  const { results } = await db
    .prepare('SELECT id, title FROM uni_lists WHERE account_id = ? ORDER BY id')
    .bind(accountId)
    .all<{ id: number; title: string }>()
  return results
}

/** The subset of `ids` that are lists of this account. */
export async function ownedListIds(
  db: D1Database,
  accountId: number,
  ids: readonly number[]
): Promise<Set<number>> {
  const owned = new Set<number>()
  if (ids.length === 0) return owned
  const stmts = chunk([...new Set(ids)], 95).map((part) =>
    db
      .prepare(`SELECT id FROM uni_lists WHERE account_id = ? AND id IN (${marks(part.length)})`)
      .bind(accountId, ...part)
  )
  for (const res of await db.batch<{ id: number }>(stmts)) {
    for (const r of res.results) owned.add(r.id)
  }
  return owned
}

/** Existing contacts of the account by canonical address. */
export async function findContacts(
  db: D1Database,
  accountId: number,
  emails: readonly string[]
): Promise<Map<string, ContactRow>> {
  const found = new Map<string, ContactRow>()
  if (emails.length === 0) return found
  const stmts = chunk(emails, 95).map((part) =>
    db
      .prepare(
        `SELECT id, email, status, tags FROM uni_contacts WHERE account_id = ? AND email IN (${marks(part.length)})`
      )
      .bind(accountId, ...part)
  )
  for (const res of await db.batch<ContactRow>(stmts)) {
    for (const r of res.results) found.set(r.email, r)
  }
  return found
}

/** List memberships of the given contacts (any list; statuses active/unsubscribed). */
export async function membershipsOf(
  db: D1Database,
  contactIds: readonly number[]
): Promise<Map<number, Membership[]>> {
  const out = new Map<number, Membership[]>()
  if (contactIds.length === 0) return out
  const stmts = chunk(contactIds, 99).map((part) =>
    db
      .prepare(
        `SELECT contact_id, list_id, status FROM uni_members WHERE contact_id IN (${marks(part.length)})`
      )
      .bind(...part)
  )
  for (const res of await db.batch<{ contact_id: number; list_id: number; status: string }>(
    stmts
  )) {
    for (const r of res.results) {
      const list = out.get(r.contact_id) ?? []
      list.push({ listId: r.list_id, status: r.status as Membership['status'] })
      out.set(r.contact_id, list)
    }
  }
  return out
}
