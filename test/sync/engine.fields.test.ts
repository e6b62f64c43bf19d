/**
 * Contact fields (#15) through whole runs against both emulators: values written with additions,
 * changed values updated, unchanged contacts never re-sent, empty values never sent, refusals as
 * per-contact rejects, and consent (no field writes to contacts unsubscribed or blocked in
 * Unisender, to contacts that left the list, or to CRM opt-outs) in the three modes.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createRetailCrmClient } from '../../src/clients/retailcrm'
import { runs as runsTable, type SyncMode } from '../../src/db/schema'
import { confirmRun, processRunStep } from '../../src/sync'
import { MAX_FIELD_CHECKS } from '../../src/sync/incremental-fields'
import { settle } from '../support/incremental'
import { tickAndPoll } from '../support/schedule-queue'
import {
  lastRun,
  makeWorld,
  schedulerFor,
  segmentEmails,
  smallShop,
  type World,
} from '../support/world'

const MAP = JSON.stringify([
  { source: 'firstName', target: 'Name', type: 'string' },
  { source: 'city', target: 'city', type: 'string' },
])

/** The stored field values of one Unisender contact (name → value). */
async function fieldsOf(w: World, email: string): Promise<Record<string, string>> {
  const res = await env.SANDBOX_DB.prepare(
    `SELECT v.name, v.value FROM uni_field_values v JOIN uni_contacts c ON c.id = v.contact_id
      WHERE c.account_id = ? AND c.email = ?`
  )
    .bind(w.account.id, email)
    .all<{ name: string; value: string }>()
  return Object.fromEntries(res.results.map((r) => [r.name, r.value]))
}

/** The CRM's first name of customer `id`. */
async function firstName(w: World, id: number): Promise<string> {
  const crm = createRetailCrmClient({ systemUrl: w.crm.systemUrl, apiKey: await w.crm.issueKey() })
  return (await crm.listCustomers({ ids: [id], limit: 20 })).customers[0]!.firstName ?? ''
}

/** Customers 1..8 form the segment (c<id>@example.com); 9..10 are outside it. */
async function fieldsWorld(mode: SyncMode) {
  const w = await makeWorld({
    shop: smallShop(10, { size: 8 }, false),
    mode,
    sync: { fieldMap: MAP },
  })
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => w.crm.changeEmail(i + 1, `c${i + 1}@example.com`))
  )
  await w.crm.unsubscribe(4) // CRM opt-out, already in the list
  const other = await w.uni.createList(w.account, 'Other')
  await w.uni.seedContacts(w.account, [
    { email: 'c1@example.com', lists: [w.listId] }, // member, no fields yet
    { email: 'c2@example.com', lists: [w.listId], status: 'unsubscribed' }, // account-wide
    { email: 'c3@example.com', lists: [other], unsubscribedLists: [w.listId] }, // left this list
    { email: 'c4@example.com', lists: [w.listId] }, // opted out in the CRM
    { email: 'c9@example.com', lists: [w.listId] }, // not in the segment
  ])
  return w
}

async function runToEnd(w: World, req: { dryRun?: boolean } = {}) {
  return w.run(await w.startAndDrain(req))
}

describe('contact fields in full runs', () => {
  it('exact: writes values with additions and updates members, never to opted-out or unsubscribed contacts', async () => {
    const w = await fieldsWorld('exact')
    const run = await runToEnd(w)
    expect(run.status).toBe('done')
    const c = run.countsParsed
    // c5..c8 added; c1 (member without fields) updated; c2 unsubscribed, c3 left the list,
    // c4 opted out: none of them written.
    expect(c.added).toBe(4)
    expect(c.fieldsUpdated).toBe(1)
    expect(await fieldsOf(w, 'c1@example.com')).toEqual({
      Name: await firstName(w, 1),
      city: expect.any(String),
    })
    expect(await fieldsOf(w, 'c6@example.com')).toMatchObject({ Name: await firstName(w, 6) })
    for (const e of ['c2', 'c3', 'c4', 'c9'])
      expect(await fieldsOf(w, `${e}@example.com`)).toEqual({})
    expect((await w.uni.contact(w.account, 'c2@example.com'))?.status).toBe('unsubscribed')
    // The new field was created once, as a string field.
    expect(w.uni.calls('createField')).toBe(1)
  })

  it('a second run with nothing changed writes nothing; a changed name is one update of that field only', async () => {
    const w = await fieldsWorld('exact')
    await runToEnd(w)
    const imports = w.uni.calls('importContacts')
    const again = await runToEnd(w)
    expect(again.countsParsed).toMatchObject({
      added: 0,
      removed: 0,
      fieldsUpdated: 0,
      unchanged: 5,
    })
    expect(w.uni.calls('importContacts')).toBe(imports)
    expect(w.uni.calls('createField')).toBe(1)

    await w.crm.changeFirstName(6, 'Ярослава')
    const city = (await fieldsOf(w, 'c6@example.com')).city
    const changed = await runToEnd(w)
    expect(changed.countsParsed).toMatchObject({ added: 0, fieldsUpdated: 1, unchanged: 4 })
    expect(w.uni.calls('importContacts')).toBe(imports + 1)
    expect(await fieldsOf(w, 'c6@example.com')).toEqual({ Name: 'Ярослава', city })
  })

  it('an emptied CRM value is never sent: the Unisender value stays', async () => {
    const w = await fieldsWorld('union')
    await runToEnd(w)
    const before = await fieldsOf(w, 'c7@example.com')
    await w.crm.changeFirstName(7, '   ')
    const imports = w.uni.calls('importContacts')
    const run = await runToEnd(w)
    expect(run.countsParsed.fieldsUpdated).toBe(0)
    expect(w.uni.calls('importContacts')).toBe(imports)
    expect(await fieldsOf(w, 'c7@example.com')).toEqual(before)
  })

  it('a refused update is a per-contact reject, not a failed run', async () => {
    const w = await fieldsWorld('union')
    await runToEnd(w)
    await w.crm.changeFirstName(5, 'Пётр')
    await w.crm.changeFirstName(6, 'Олег')
    w.uni.faults.set({ rowErrors: { emails: ['c5@example.com'] } })
    const run = await runToEnd(w)
    expect(run.status).toBe('done')
    expect(run.countsParsed.fieldsUpdated).toBe(1)
    const rejects = (await w.rejects(run.id)).filter((r) => r.email === 'c5@example.com')
    expect(rejects).toEqual([
      expect.objectContaining({ email: 'c5@example.com', reason: 'rejected_by_unisender' }),
    ])
    expect((await fieldsOf(w, 'c6@example.com')).Name).toBe('Олег')
    expect((await fieldsOf(w, 'c5@example.com')).Name).not.toBe('Пётр')
  })

  it('subtraction writes no field at all', async () => {
    const w = await fieldsWorld('subtract')
    const run = await runToEnd(w)
    expect(run.countsParsed).toMatchObject({ fieldsUpdated: 0, added: 0 })
    for (const e of ['c1', 'c4', 'c9']) expect(await fieldsOf(w, `${e}@example.com`)).toEqual({})
    expect(await w.listEmails()).toEqual(['c9@example.com'])
  })

  it('a dry run counts planned updates with a sample and writes nothing, creating no field', async () => {
    const w = await fieldsWorld('exact')
    const run = await runToEnd(w, { dryRun: true })
    expect([run.status, run.errorMessage]).toEqual(['done', null])
    expect(run.countsParsed).toMatchObject({ plannedAdd: 4, plannedUpdate: 1 })
    expect(w.uni.calls('importContacts')).toBe(0)
    expect(w.uni.calls('createField')).toBe(0)
    expect(await fieldsOf(w, 'c1@example.com')).toEqual({})
    const sample = await env.DB.prepare(
      "SELECT data FROM run_chunks WHERE run_id = ? AND side = 'u'"
    )
      .bind(run.id)
      .first<{ data: string }>()
    expect(sample?.data).toBe('c1@example.com')
  })
})

describe('contact fields and incremental runs', { timeout: 20_000 }, () => {
  it('an incremental run writes no field (it cannot see who is unsubscribed); the next full run does', async () => {
    const w = await makeWorld({
      shop: smallShop(300, { size: 100 }, false),
      mode: 'union',
      sync: { fieldMap: MAP },
    })
    const deps = await schedulerFor(w)
    await settle(w, deps)
    expect((await lastRun(w)).status).toBe('done')
    await w.crm.recalculate('seg', { add: 3, remove: 0 })
    await tickAndPoll(deps)
    await w.drain()
    const inc = await lastRun(w)
    expect([inc.kind, inc.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(inc.counts)).toMatchObject({ added: 3 })
    const empty: string[] = []
    for (const e of await segmentEmails(w))
      if (Object.keys(await fieldsOf(w, e)).length === 0) empty.push(e)
    expect(empty).toHaveLength(3)
    const full = await runToEnd(w)
    expect(full.countsParsed).toMatchObject({ added: 0, fieldsUpdated: 3 })
    for (const e of empty) expect(await fieldsOf(w, e)).toMatchObject({ Name: expect.any(String) })
  })
})

/** Delivers every run step, then each once more as a redelivery of a committed step. */
async function drainTwice(w: World) {
  while (w.sent.length > 0) {
    const { msg } = w.sent.shift()!
    expect((await processRunStep(env, msg, { attempts: 1 }, w.overrides())).kind).toBe('ack')
    await processRunStep(env, msg, { attempts: 2 }, w.overrides())
  }
}

/** fieldsWorld brought to its steady state by the scheduler (its first full run done). */
async function settledFields(fieldMap = MAP, mode: SyncMode = 'union') {
  const w = await fieldsWorld(mode)
  if (fieldMap !== MAP)
    await env.DB.prepare('UPDATE syncs SET field_map = ? WHERE id = ?')
      .bind(fieldMap, w.sync.id)
      .run()
  const deps = await schedulerFor(w)
  await settle(w, deps)
  expect((await lastRun(w)).status).toBe('done')
  return { w, deps }
}

describe('incremental runs pick up changes of mapped fields', { timeout: 30_000 }, () => {
  it('a first-name change reaches Unisender in one tick: that contact only, one import', async () => {
    const { w, deps } = await settledFields()
    const before = await Promise.all(['c1', 'c6'].map((c) => fieldsOf(w, `${c}@example.com`)))
    const imports = w.uni.calls('importContacts')
    const lookups = w.uni.calls('getContact')
    await w.crm.changeFirstName(5, 'Зинаида')
    await tickAndPoll(deps)
    await w.drain()
    const inc = await lastRun(w)
    expect([inc.kind, inc.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(inc.counts)).toMatchObject({ fieldsUpdated: 1, plannedUpdate: 1 })
    expect(w.uni.calls('getContact') - lookups).toBe(1)
    expect(w.uni.calls('importContacts') - imports).toBe(1)
    expect(await fieldsOf(w, 'c5@example.com')).toMatchObject({ Name: 'Зинаида' })
    expect(await Promise.all(['c1', 'c6'].map((c) => fieldsOf(w, `${c}@example.com`)))).toEqual(
      before
    )
  })

  it('exact match: the same, in the mixed batch of its additions and removals', async () => {
    const { w, deps } = await settledFields(MAP, 'exact')
    const imports = w.uni.calls('importContacts')
    await w.crm.changeFirstName(5, 'Зинаида')
    await w.crm.changeFirstName(9, 'Outside')
    await tickAndPoll(deps)
    await w.drain()
    const inc = await lastRun(w)
    expect([inc.kind, inc.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(inc.counts)).toMatchObject({ fieldsUpdated: 1 })
    expect(w.uni.calls('importContacts') - imports).toBe(1)
    expect(await fieldsOf(w, 'c5@example.com')).toMatchObject({ Name: 'Зинаида' })
    expect(await fieldsOf(w, 'c9@example.com')).not.toMatchObject({ Name: 'Outside' })
  })

  it('an exact run that turns full leaves no field check behind: the full run writes the value once', async () => {
    const { w, deps } = await settledFields(MAP, 'exact')
    // Any removal trips the guard: the incremental plan turns full (and the full run waits).
    await env.DB.prepare('UPDATE syncs SET guard_min_count = 1, guard_percent = 1 WHERE id = ?')
      .bind(w.sync.id)
      .run()
    await w.crm.changeFirstName(5, 'Зинаида')
    await w.crm.unsubscribe(7)
    await tickAndPoll(deps)
    await w.drain()
    const waiting = await lastRun(w)
    expect([waiting.kind, waiting.status]).toEqual(['full', 'needs_confirmation'])
    const lookups = w.uni.calls('getContact')
    await confirmRun(
      { db: w.db, queue: w.queue, now: () => 0 },
      { tenantId: w.tenant.id, runId: waiting.id }
    )
    await w.drain()
    const run = await lastRun(w)
    expect([run.id, run.status]).toEqual([waiting.id, 'done'])
    expect(JSON.parse(run.counts)).toMatchObject({ fieldsUpdated: 1, removed: 1 })
    expect(w.uni.calls('getContact')).toBe(lookups)
    expect(await fieldsOf(w, 'c5@example.com')).toMatchObject({ Name: 'Зинаида' })
  })

  it('no value for a contact unsubscribed in Unisender (account-wide or from the list), a CRM opt-out or a non-member', async () => {
    const { w, deps } = await settledFields()
    // c6 unsubscribes in Unisender after the full run: the run cannot see it but getContact can.
    await env.SANDBOX_DB.prepare(
      "UPDATE uni_contacts SET status = 'unsubscribed' WHERE account_id = ? AND email = ?"
    )
      .bind(w.account.id, 'c6@example.com')
      .run()
    const before = await Promise.all([2, 3, 4, 6, 9].map((i) => fieldsOf(w, `c${i}@example.com`)))
    for (const id of [2, 3, 4, 6, 9, 7]) await w.crm.changeFirstName(id, `New${id}`)
    await tickAndPoll(deps)
    await w.drain()
    const inc = await lastRun(w)
    expect([inc.kind, inc.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(inc.counts)).toMatchObject({ fieldsUpdated: 1 })
    expect(await fieldsOf(w, 'c7@example.com')).toMatchObject({ Name: 'New7' })
    expect(await Promise.all([2, 3, 4, 6, 9].map((i) => fieldsOf(w, `c${i}@example.com`)))).toEqual(
      before
    )
    // Statuses are untouched.
    const statuses = await env.SANDBOX_DB.prepare(
      'SELECT email, status FROM uni_contacts WHERE account_id = ? AND email IN (?, ?) ORDER BY email'
    )
      .bind(w.account.id, 'c2@example.com', 'c6@example.com')
      .all<{ email: string; status: string }>()
    expect(statuses.results.map((r) => [r.email, r.status])).toEqual([
      ['c2@example.com', 'unsubscribed'],
      ['c6@example.com', 'unsubscribed'],
    ])
  })

  it('an unchanged value is not re-sent (getContact shows it)', async () => {
    const { w, deps } = await settledFields()
    const name = await firstName(w, 5)
    await w.crm.changeFirstName(5, 'Tmp')
    await w.crm.changeFirstName(5, name)
    const imports = w.uni.calls('importContacts')
    await tickAndPoll(deps)
    await w.drain()
    const inc = await lastRun(w)
    expect([inc.kind, inc.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(inc.counts)).toMatchObject({ fieldsUpdated: 0, plannedUpdate: 0 })
    // At most the union run's re-addition of the touched member, never an update row.
    expect(w.uni.calls('importContacts') - imports).toBeLessThanOrEqual(1)
    expect(await fieldsOf(w, 'c5@example.com')).toMatchObject({ Name: name })
  })

  it('a sync mapping no field is untouched: no run, no getContact, no import', async () => {
    const { w, deps } = await settledFields('[]')
    const runs = (await w.db.select().from(runsTable)).length
    const imports = w.uni.calls('importContacts')
    const lookups = w.uni.calls('getContact')
    await w.crm.changeFirstName(5, 'Зинаида')
    await tickAndPoll(deps)
    await w.drain()
    expect((await w.db.select().from(runsTable)).length).toBe(runs)
    expect(w.uni.calls('getContact')).toBe(lookups)
    expect(w.uni.calls('importContacts')).toBe(imports)
  })

  it('a sync that maps another source ignores a first-name change', async () => {
    const cityOnly = JSON.stringify([{ source: 'city', target: 'city', type: 'string' }])
    const { w, deps } = await settledFields(cityOnly)
    const runs = (await w.db.select().from(runsTable)).length
    await w.crm.changeFirstName(5, 'Зинаида')
    await tickAndPoll(deps)
    await w.drain()
    expect((await w.db.select().from(runsTable)).length).toBe(runs)
  })

  it('a refused update is a per-contact reject, not a failed run', async () => {
    const { w, deps } = await settledFields()
    await w.crm.changeFirstName(5, 'Пётр')
    await w.crm.changeFirstName(6, 'Олег')
    w.uni.faults.set({ rowErrors: { emails: ['c5@example.com'] } })
    await tickAndPoll(deps)
    await w.drain()
    const inc = await lastRun(w)
    expect([inc.kind, inc.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(inc.counts)).toMatchObject({ fieldsUpdated: 1, plannedUpdate: 2 })
    expect((await w.rejects(inc.id)).map((r) => r.email)).toEqual(['c5@example.com'])
    expect((await fieldsOf(w, 'c6@example.com')).Name).toBe('Олег')
    expect((await fieldsOf(w, 'c5@example.com')).Name).not.toBe('Пётр')
  })

  it('duplicate deliveries write once', async () => {
    const { w, deps } = await settledFields()
    const imports = w.uni.calls('importContacts')
    await w.crm.changeFirstName(5, 'Зинаида')
    await tickAndPoll(deps)
    await drainTwice(w)
    const inc = await lastRun(w)
    expect([inc.kind, inc.status]).toEqual(['incremental', 'done'])
    expect(JSON.parse(inc.counts)).toMatchObject({ fieldsUpdated: 1 })
    expect(w.uni.calls('importContacts') - imports).toBe(1)
    expect(await fieldsOf(w, 'c5@example.com')).toMatchObject({ Name: 'Зинаида' })
  })

  it(`more than ${MAX_FIELD_CHECKS} changed contacts turn the run full, which writes them`, async () => {
    const w = await makeWorld({
      shop: smallShop(MAX_FIELD_CHECKS + 20, { size: MAX_FIELD_CHECKS + 10 }, false),
      mode: 'union',
      sync: { fieldMap: MAP },
    })
    const deps = await schedulerFor(w)
    await settle(w, deps)
    const lookups = w.uni.calls('getContact')
    for (let id = 1; id <= MAX_FIELD_CHECKS + 1; id++) await w.crm.changeFirstName(id, `N${id}`)
    await tickAndPoll(deps)
    await w.drain()
    const run = await lastRun(w)
    expect([run.kind, run.status]).toEqual(['full', 'done'])
    expect(w.uni.calls('getContact')).toBe(lookups)
    expect(JSON.parse(run.counts)).toMatchObject({ fieldsUpdated: MAX_FIELD_CHECKS + 1 })
  })
})
