/**
 * The emulator's tables in SANDBOX_DB, created idempotently on first use (no drizzle migrations:
 * the sandbox database is not the module's). Triggers keep each account's contact count exact and
 * refuse, inside the same batch, any insert that would go past the plan's contact limit.
 */
import { seedDemo } from './demo'

/** The message the limit trigger raises; import maps it to the tariff error. */
export const PLAN_LIMIT_MARKER = 'uni_plan_limit'

const DDL = [
  `CREATE TABLE IF NOT EXISTS uni_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL UNIQUE,
    api_key TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    test_mode INTEGER NOT NULL DEFAULT 0,
    api_enabled INTEGER NOT NULL DEFAULT 1,
    contact_limit INTEGER NOT NULL,
    contact_count INTEGER NOT NULL DEFAULT 0,
    balance REAL NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'RUB',
    created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS uni_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, title))`,
  `CREATE TABLE IF NOT EXISTS uni_contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    added_at INTEGER NOT NULL,
    UNIQUE (account_id, email))`,
  `CREATE TABLE IF NOT EXISTS uni_members (
    list_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (list_id, contact_id)) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS uni_members_contact ON uni_members (contact_id)',
  `CREATE TABLE IF NOT EXISTS uni_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    public_name TEXT NOT NULL DEFAULT '',
    UNIQUE (account_id, name))`,
  `CREATE TABLE IF NOT EXISTS uni_field_values (
    contact_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (contact_id, name)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS uni_export_tasks (
    uuid TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL,
    spec TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    polls INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    built INTEGER NOT NULL DEFAULT 0)`,
  'CREATE INDEX IF NOT EXISTS uni_export_tasks_account ON uni_export_tasks (account_id, created_at)',
  `CREATE TABLE IF NOT EXISTS uni_export_chunks (
    uuid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    start INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (uuid, seq)) WITHOUT ROWID`,
  `CREATE TRIGGER IF NOT EXISTS uni_contacts_count_ins AFTER INSERT ON uni_contacts BEGIN
    UPDATE uni_accounts SET contact_count = contact_count + 1 WHERE id = NEW.account_id; END`,
  `CREATE TRIGGER IF NOT EXISTS uni_contacts_count_del AFTER DELETE ON uni_contacts BEGIN
    UPDATE uni_accounts SET contact_count = contact_count - 1 WHERE id = OLD.account_id; END`,
  `CREATE TRIGGER IF NOT EXISTS uni_contacts_plan_limit BEFORE UPDATE OF contact_count ON uni_accounts
    WHEN NEW.contact_count > NEW.contact_limit AND NEW.contact_count > OLD.contact_count BEGIN
    SELECT RAISE(ABORT, '${PLAN_LIMIT_MARKER}'); END`,
]

const ready = new WeakMap<D1Database, Promise<void>>()

/** Creates the tables and the demo account once per database and isolate. */
export function ensureSchema(db: D1Database, now: number): Promise<void> {
  let p = ready.get(db)
  if (!p) {
    p = (async () => {
      await db.batch(DDL.map((sql) => db.prepare(sql)))
      await seedDemo(db, now)
    })()
    p.catch(() => ready.delete(db))
    ready.set(db, p)
  }
  return p
}
