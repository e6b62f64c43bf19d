/** Properties of the import planner: consent holds for any rows and any prior state. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planImport } from '../../../src/sandbox/unisender/import-plan'
import type { ImportRow } from '../../../src/sandbox/unisender/import-rows'
import type { ContactRow, Membership } from '../../../src/sandbox/unisender/store'

const EMAILS = [
  'a@example.ru',
  'b@example.ru',
  'c@example.ru',
  'd@example.ru',
  'info@example.ru',
  'bad',
]
const STATUSES = [
  'new',
  'invited',
  'active',
  'inactive',
  'unsubscribed',
  'blocked',
  'activation_requested',
]
const LISTS = [1, 2, 3]

const lists = fc.subarray(LISTS)
const existingArb = fc.array(
  fc.record({
    email: fc.constantFrom(...EMAILS.slice(0, 4)),
    status: fc.constantFrom(...STATUSES),
    members: fc.array(
      fc.record({
        listId: fc.constantFrom(...LISTS),
        status: fc.constantFrom('active', 'unsubscribed'),
      }),
      { maxLength: 3 }
    ),
  }),
  { maxLength: 4 }
)
const rowArb = fc.record({
  email: fc.constantFrom(...EMAILS),
  status: fc.option(fc.constantFrom('new', 'active', 'inactive', 'unsubscribed'), {
    nil: undefined,
  }),
  listIds: fc.option(lists, { nil: undefined }),
  excludedListIds: lists,
  unsubscribedListIds: lists,
})

describe('planImport', () => {
  it('never adds or reactivates suppressed contacts and never re-adds to a list left', () => {
    fc.assert(
      fc.property(
        existingArb,
        fc.array(rowArb, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (ex, raw, overwriteLists) => {
          const existing = new Map<string, ContactRow>()
          const memberships = new Map<number, Membership[]>()
          ex.forEach((c, i) => {
            if (existing.has(c.email)) return
            existing.set(c.email, { id: i + 1, email: c.email, status: c.status, tags: '' })
            const seen = new Map(c.members.map((m) => [m.listId, m.status as Membership['status']]))
            memberships.set(
              i + 1,
              [...seen].map(([listId, status]) => ({ listId, status }))
            )
          })
          const rows: ImportRow[] = raw.map((r, index) => ({
            ...r,
            index,
            phone: '',
            delete: false,
            fields: new Map(),
          }))
          const plan = planImport({
            rows,
            existing,
            memberships,
            overwriteTags: false,
            overwriteLists,
          })
          for (const [email, c] of existing) {
            const suppressed = c.status === 'unsubscribed' || c.status === 'blocked'
            const leftLists = (memberships.get(c.id) ?? [])
              .filter((m) => m.status === 'unsubscribed')
              .map((m) => m.listId)
            for (const [listId, emails] of plan.adds) {
              if (!emails.includes(email)) continue
              expect(suppressed).toBe(false)
              expect(leftLists).not.toContain(listId)
            }
            for (const emails of plan.statusChanges.values()) {
              if (emails.includes(email)) expect(['active', 'inactive']).toContain(c.status)
            }
          }
          // removals come only from the row's excluded lists, unless overwrite_lists was asked for
          for (const [listId, emails] of plan.removes) {
            for (const email of emails) {
              const row = rows.find((r) => r.email === email)!
              if (!overwriteLists) expect(row.excludedListIds).toContain(listId)
            }
          }
          const r = plan.result
          expect(r.inserted + r.updated + r.deleted + r.invalid).toBeLessThanOrEqual(r.total)
          expect(plan.newContacts.map((c) => c.email).every((e) => !existing.has(e))).toBe(true)
        }
      )
    )
  })
})
