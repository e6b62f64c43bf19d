/**
 * The three modes on tricky data, with hand-computed expectations: case and whitespace duplicates,
 * invalid, empty and role addresses, CRM opt-outs (both kinds), contacts unsubscribed in
 * Unisender, and a list holding contacts from other sources (who are also in other lists).
 */
import { describe, expect, it } from 'vitest'
import type { SyncMode } from '../../src/db/schema'
import { makeWorld, smallShop, type World } from '../support/world'

/** Customers 1..12 form the segment; 13..20 are outside it. */
async function trickyWorld(mode: SyncMode) {
  const w = await makeWorld({ shop: smallShop(20, { size: 12 }, false), mode })
  const set = (id: number, email: string) => w.crm.changeEmail(id, email)
  // Customers are independent: their changes go to the emulator together (full runs only read
  // the outcome, not the order of the history entries).
  await Promise.all([
    set(1, 'anna@example.com'),
    set(2, '  Anna@Example.COM '), // duplicate of 1 after normalisation
    set(3, 'boris@example.com'),
    set(4, 'not-an-email'),
    set(5, ''),
    set(6, 'info@example.com'), // role address
    // opted out (emailMarketingUnsubscribedAt)
    set(7, 'olga@example.com').then(() => w.crm.unsubscribe(7)),
    // opted out (email channel off)
    set(8, 'petr@example.com').then(() => w.crm.setEmailSubscription(8, false)),
    set(9, 'unsub@example.com'), // unsubscribed in Unisender, in the list
    set(10, 'gone@example.com'), // unsubscribed globally in Unisender, not in the list
    set(11, 'kept@example.com'), // already in the list
    set(12, 'Zoya@Example.com'),
  ])
  const other = await w.uni.createList(w.account, 'Other list')
  await w.uni.seedContacts(w.account, [
    { email: 'kept@example.com', lists: [w.listId] },
    { email: 'unsub@example.com', lists: [w.listId], status: 'unsubscribed' },
    { email: 'gone@example.com', status: 'unsubscribed', lists: [other] },
    { email: 'olga@example.com', lists: [w.listId, other] }, // opted out in the CRM
    { email: 'stranger@example.com', lists: [w.listId, other] }, // from another source
    { email: 'info@example.com', lists: [w.listId] }, // role address already in the list
  ])
  return { w, other }
}

async function runToEnd(w: World) {
  return w.run(await w.startAndDrain())
}

describe('modes on tricky data', () => {
  it('exact: the list becomes the segment, minus what Unisender refuses and CRM opt-outs', async () => {
    const { w, other } = await trickyWorld('exact')
    const run = await runToEnd(w)
    expect(run.status).toBe('done')
    const c = run.countsParsed
    expect(c.readFromCrm).toBe(12)
    expect(c.invalid).toBeGreaterThanOrEqual(3) // not-an-email, empty, role (+ refused by Unisender)
    expect(c.duplicates).toBe(1)
    expect(c.skippedOptedOut).toBe(2)
    expect(c.listBefore).toBe(5) // kept, unsub, olga, stranger, info
    // Active members afterwards: the addable segment (gone@ is refused by Unisender), the role
    // address that was already there, and unsub@ (in the segment, kept but never resubscribed).
    expect(await w.listEmails()).toEqual(
      [
        'anna@example.com',
        'boris@example.com',
        'info@example.com',
        'kept@example.com',
        'unsub@example.com',
        'zoya@example.com',
      ].sort()
    )
    // olga (opted out) and stranger (not in the segment) left this list only, still in the other.
    const stranger = await w.uni.contact(w.account, 'stranger@example.com')
    expect(stranger?.lists.map((l) => l.listId)).toEqual([other])
    expect(stranger?.status).toBe('active')
    const olga = await w.uni.contact(w.account, 'olga@example.com')
    expect(olga?.lists.map((l) => l.listId)).toEqual([other])
    // Nobody was resubscribed.
    expect((await w.uni.contact(w.account, 'unsub@example.com'))?.status).toBe('unsubscribed')
    expect((await w.uni.contact(w.account, 'gone@example.com'))?.status).toBe('unsubscribed')
    const reasons = new Set((await w.rejects(run.id)).map((r) => r.reason))
    for (const r of [
      'invalid_email',
      'duplicate',
      'opted_out_in_crm',
      'role_address',
      'unsubscribed_in_unisender',
    ])
      expect(reasons).toContain(r)
  })

  it('union: adds the addable segment, removes nothing', async () => {
    const { w } = await trickyWorld('union')
    const run = await runToEnd(w)
    expect(run.status).toBe('done')
    expect(run.countsParsed.removed).toBe(0)
    const emails = await w.listEmails()
    for (const e of [
      'anna@example.com',
      'boris@example.com',
      'zoya@example.com',
      'kept@example.com',
      'stranger@example.com',
      'olga@example.com',
    ])
      expect(emails).toContain(e)
    expect(emails).not.toContain('petr@example.com')
  })

  it('subtraction: the list keeps nothing of the segment, adds nothing', async () => {
    const { w, other } = await trickyWorld('subtract')
    const run = await runToEnd(w)
    expect(run.status).toBe('done')
    expect(run.countsParsed.added).toBe(0)
    const members = (await w.uni.members(w.listId)).map((m) => m.email).sort()
    expect(members).toEqual(['stranger@example.com'])
    // Removed contacts keep their other lists and statuses.
    expect(
      (await w.uni.contact(w.account, 'olga@example.com'))?.lists.map((l) => l.listId)
    ).toEqual([other])
    expect((await w.uni.contact(w.account, 'unsub@example.com'))?.status).toBe('unsubscribed')
  })

  // Three worlds with two complete runs each: the heaviest test of the file, hence its timeout.
  it('a second run of an unchanged segment writes nothing to Unisender', async () => {
    for (const mode of ['exact', 'union', 'subtract'] as const) {
      const { w } = await trickyWorld(mode)
      await runToEnd(w)
      const before = w.uni.calls('importContacts')
      const second = await runToEnd(w)
      expect(second.status, mode).toBe('done')
      expect(w.uni.calls('importContacts') - before, mode).toBe(0)
      expect(second.countsParsed.added + second.countsParsed.removed, mode).toBe(0)
    }
  }, 20_000)

  it('an empty segment in exact mode empties the list (after confirmation for a big list)', async () => {
    const w = await makeWorld({ shop: smallShop(5, { size: 0 }, false), mode: 'exact' })
    await w.uni.seedContacts(w.account, [{ email: 'a@example.com', lists: [w.listId] }])
    const run = await runToEnd(w)
    expect(run.status).toBe('done') // 1 removal: below the guard's minimum count
    expect(await w.listEmails()).toEqual([])
  })

  it('an empty list in union mode gets the whole segment', async () => {
    const w = await makeWorld({ shop: smallShop(30, { size: 25 }, false), mode: 'union' })
    const run = await runToEnd(w)
    expect(run.countsParsed.added).toBe(25)
    expect((await w.listEmails()).length).toBe(25)
  })
})

describe('all customers', () => {
  it('a sync of all customers reads every customer, not a segment', async () => {
    const w = await makeWorld({
      shop: smallShop(130, { size: 10 }, false),
      mode: 'union',
      sync: { allCustomers: true, segmentCode: null, segmentId: null },
    })
    const started = await w.start()
    if (!started.started) throw new Error()
    await w.drain()
    const run = await w.run(started.runId)
    expect(run.status).toBe('done')
    expect(run.countsParsed.readFromCrm).toBe(130)
    expect((await w.listEmails()).length).toBe(130)
  })
})
