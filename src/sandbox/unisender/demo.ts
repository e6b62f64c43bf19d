/**
 * The demo account seeded on first use: a fixed login and API key (shown on the inspection page, the
 * user copies them into the module), a 100,000-contact plan, and a few lists with contacts in
 * several states — active, unsubscribed from everything, blocked, unsubscribed from one list, and
 * members of other lists the module must never touch.
 */
import { cleanEmail } from '../generator'
import { DEMO_SHOP } from '../retailcrm/shops'
import { createAccount, createListRow, type SeedContact, seedContacts } from './accounts'
import { findAccountByLogin } from './store'

export const DEMO_LOGIN = 'demo'
export const DEMO_API_KEY = '6kq9demo4t1pyx8sandboxkey3rjw5ma7nbh2zce'
export const DEMO_CONTACT_LIMIT = 100_000

/**
 * Demo address number i: the clean address of customer i of the RetailCRM demo shop, so a demo sync
 * meets contacts Unisender already has — some of them unsubscribed or blocked there.
 */
export function demoEmail(i: number): string {
  return cleanEmail(DEMO_SHOP.seed ?? 1, i)
}

/** Seeds the demo account unless it exists (idempotent; safe under concurrent first calls). */
export async function seedDemo(db: D1Database, now: number): Promise<void> {
  if (await findAccountByLogin(db, DEMO_LOGIN)) return
  let accountId: number
  try {
    accountId = (
      await createAccount(
        db,
        {
          login: DEMO_LOGIN,
          apiKey: DEMO_API_KEY,
          email: 'demo@sandbox.test',
          contactLimit: DEMO_CONTACT_LIMIT,
          balance: 1500,
          currency: 'RUB',
        },
        now
      )
    ).id
  } catch {
    return // another request seeded it first
  }
  const all = await createListRow(db, accountId, 'Все покупатели', now)
  const news = await createListRow(db, accountId, 'Новости магазина', now)
  const old = await createListRow(db, accountId, 'Старая рассылка', now)
  const contacts: SeedContact[] = []
  for (let i = 1; i <= 60; i++) {
    const c: SeedContact = { email: demoEmail(i), lists: [all] }
    if (i % 3 === 0) c.lists!.push(news)
    if (i > 45) c.lists = [old]
    if (i % 10 === 0) c.status = 'unsubscribed'
    if (i === 17 || i === 33) c.status = 'blocked'
    if (i % 4 === 1) c.status = c.status ?? 'new'
    if (i % 9 === 0) c.unsubscribedLists = [news]
    contacts.push(c)
  }
  await seedContacts(db, accountId, contacts, now)
}
