/**
 * Statement builders for bulk writes. Each returns prepared statements with at most 100 bound
 * parameters; callers run them together in one db.batch (one transaction), so a call is applied
 * whole or not at all. Membership writes select contacts by address, so contacts inserted earlier
 * in the same batch are found.
 */
import { chunk, marks } from './store'

export interface NewContact {
  email: string
  status: string
  tags: string
}

/** Blocks list additions of contacts that unsubscribed or were blocked, even under races. */
const NOT_SUPPRESSED = "status NOT IN ('unsubscribed', 'blocked')"

/**
 * Inserts contacts (5 parameters a row, 20 rows a statement). Existing addresses are skipped, or
 * with `overwriteStatus` (seeding only) get the given status.
 */
export function insertContacts(
  db: D1Database,
  accountId: number,
  rows: readonly NewContact[],
  now: number,
  overwriteStatus = false
): D1PreparedStatement[] {
  const onConflict = overwriteStatus ? 'DO UPDATE SET status = excluded.status' : 'DO NOTHING'
  return chunk(rows, 20).map((part) =>
    db
      .prepare(
        `INSERT INTO uni_contacts (account_id, email, status, tags, added_at) VALUES ${part
          .map(() => '(?, ?, ?, ?, ?)')
          .join(', ')} ON CONFLICT (account_id, email) ${onConflict}`
      )
      .bind(...part.flatMap((r) => [accountId, r.email, r.status, r.tags, now]))
  )
}

/**
 * Sets the account-wide status. Only contacts currently `active` or `inactive` change: the docs
 * say other statuses cannot be changed by an import, so nobody is ever resubscribed.
 */
export function setStatus(
  db: D1Database,
  accountId: number,
  status: string,
  emails: readonly string[]
): D1PreparedStatement[] {
  return chunk(emails, 97).map((part) =>
    db
      .prepare(
        `UPDATE uni_contacts SET status = ? WHERE account_id = ? AND status IN ('active', 'inactive') AND email IN (${marks(part.length)})`
      )
      .bind(status, accountId, ...part)
  )
}

/** Sets the tags string of contacts. */
export function setTags(
  db: D1Database,
  accountId: number,
  tags: string,
  emails: readonly string[]
): D1PreparedStatement[] {
  return chunk(emails, 97).map((part) =>
    db
      .prepare(
        `UPDATE uni_contacts SET tags = ? WHERE account_id = ? AND email IN (${marks(part.length)})`
      )
      .bind(tags, accountId, ...part)
  )
}

/**
 * Adds contacts to a list as active members; existing memberships (active or unsubscribed) stay
 * as they are. With `guard`, unsubscribed and blocked contacts are never added.
 */
export function addMembers(
  db: D1Database,
  accountId: number,
  listId: number,
  emails: readonly string[],
  now: number,
  guard = true
): D1PreparedStatement[] {
  const where = guard ? ` AND ${NOT_SUPPRESSED}` : ''
  return chunk(emails, 96).map((part) =>
    db
      .prepare(
        `INSERT OR IGNORE INTO uni_members (list_id, contact_id, status, added_at) SELECT ?, id, 'active', ? FROM uni_contacts WHERE account_id = ?${where} AND email IN (${marks(part.length)})`
      )
      .bind(listId, now, accountId, ...part)
  )
}

/** Marks contacts unsubscribed from a list (creating the membership if needed). Irreversible. */
export function unsubscribeMembers(
  db: D1Database,
  accountId: number,
  listId: number,
  emails: readonly string[],
  now: number
): D1PreparedStatement[] {
  return chunk(emails, 96).map((part) =>
    db
      .prepare(
        `INSERT INTO uni_members (list_id, contact_id, status, added_at) SELECT ?, id, 'unsubscribed', ? FROM uni_contacts WHERE account_id = ? AND email IN (${marks(part.length)}) ON CONFLICT (list_id, contact_id) DO UPDATE SET status = 'unsubscribed'`
      )
      .bind(listId, now, accountId, ...part)
  )
}

/**
 * Removes contacts from a list. Only active memberships go: the record that a contact unsubscribed
 * from a list survives exclusion, so a later import cannot resubscribe it (UNCONFIRMED in the real
 * service; the safe reading).
 */
export function removeMembers(
  db: D1Database,
  accountId: number,
  listId: number,
  emails: readonly string[]
): D1PreparedStatement[] {
  return chunk(emails, 97).map((part) =>
    db
      .prepare(
        `DELETE FROM uni_members WHERE list_id = ? AND status = 'active' AND contact_id IN (SELECT id FROM uni_contacts WHERE account_id = ? AND email IN (${marks(part.length)}))`
      )
      .bind(listId, accountId, ...part)
  )
}

/** Deletes contacts from the account with all their memberships. */
export function deleteContacts(
  db: D1Database,
  accountId: number,
  emails: readonly string[]
): D1PreparedStatement[] {
  return chunk(emails, 98).flatMap((part) => [
    db
      .prepare(
        `DELETE FROM uni_field_values WHERE contact_id IN (SELECT id FROM uni_contacts WHERE account_id = ? AND email IN (${marks(part.length)}))`
      )
      .bind(accountId, ...part),
    db
      .prepare(
        `DELETE FROM uni_members WHERE contact_id IN (SELECT id FROM uni_contacts WHERE account_id = ? AND email IN (${marks(part.length)}))`
      )
      .bind(accountId, ...part),
    db
      .prepare(`DELETE FROM uni_contacts WHERE account_id = ? AND email IN (${marks(part.length)})`)
      .bind(accountId, ...part),
  ])
}
