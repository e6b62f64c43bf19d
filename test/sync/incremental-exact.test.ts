/**
 * The exact-mode incremental plan, pure: examples of each rule, and a property — whatever the
 * changes, an address is removed only if no member holds it now (or an opted-out member vetoes it),
 * and an added address is held by a valid member now.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  buildHolders,
  collectHolders,
  encodeHolders,
  type HolderFacts,
  holderKey,
} from '../../src/sync/holders'
import { planExactIncremental, type TouchedCustomer } from '../../src/sync/incremental-exact'

const NO_GUARD = { listSize: 1_000_000, percent: 25, minCount: 100 }

/** Facts as the step loads them: an index of `baseline` members, looked up for `touched`. */
function factsFor(
  baseline: readonly [string, number][],
  inList: (e: string) => boolean,
  touched: readonly TouchedCustomer[]
): HolderFacts {
  const facts: HolderFacts = { byHash: new Map(), heldBy: new Map() }
  const data = encodeHolders(buildHolders(baseline, inList)).join('\n')
  collectHolders(
    facts,
    data,
    new Set(touched.filter((t) => t.email).map((t) => holderKey(t.email))),
    new Set(touched.map((t) => t.id))
  )
  return facts
}

const t = (
  id: number,
  email: string,
  member: boolean,
  kind: TouchedCustomer['kind'] = 'valid'
) => ({
  id,
  email,
  member,
  kind,
})

describe('planExactIncremental', () => {
  it('removes a leaving member’s address that nobody else held', () => {
    const touched = [t(1, 'a@x.ru', false), t(3, 'c@x.ru', true)]
    const facts = factsFor(
      [
        ['a@x.ru', 1],
        ['b@x.ru', 2],
      ],
      () => true,
      touched
    )
    const p = planExactIncremental(touched, facts, NO_GUARD)
    expect(p).toMatchObject({ full: null, adds: ['c@x.ru'], removes: ['a@x.ru'] })
    expect(p.append).toEqual([{ hash: holderKey('c@x.ru'), id: 3, inList: true }])
  })

  it('goes full when a holder of the address was not re-read', () => {
    const touched = [t(1, 'a@x.ru', false)]
    const facts = factsFor(
      [
        ['a@x.ru', 1],
        ['a@x.ru', 2],
      ],
      () => true,
      touched
    )
    expect(planExactIncremental(touched, facts, NO_GUARD).full).toMatch(/shared/)
  })

  it('keeps an address a re-read member still holds', () => {
    const touched = [t(1, 'a@x.ru', false), t(2, 'a@x.ru', true)]
    const facts = factsFor([['a@x.ru', 1]], () => true, touched)
    expect(planExactIncremental(touched, facts, NO_GUARD)).toMatchObject({
      full: null,
      removes: [],
      adds: ['a@x.ru'],
    })
  })

  it('removes an opted-out member’s address even if another member holds it', () => {
    const touched = [t(1, 'a@x.ru', true, 'opted_out')]
    const facts = factsFor(
      [
        ['a@x.ru', 1],
        ['a@x.ru', 2],
      ],
      () => true,
      touched
    )
    expect(planExactIncremental(touched, facts, NO_GUARD)).toMatchObject({
      full: null,
      removes: ['a@x.ru'],
      counts: { skippedOptedOut: 1 },
    })
  })

  it('leaves alone an address the index does not know to be in the list', () => {
    const touched = [t(5, 'new@x.ru', false)]
    const facts = factsFor([['a@x.ru', 1]], () => true, touched)
    expect(planExactIncremental(touched, facts, NO_GUARD)).toMatchObject({
      full: null,
      removes: [],
    })
  })

  it('goes full for a customer whose indexed address is not its current one, or who is gone', () => {
    // Customer 1 held a@x.ru at the full run.
    const planFor = (touched: TouchedCustomer[]) =>
      planExactIncremental(
        touched,
        factsFor([['a@x.ru', 1]], () => true, touched),
        NO_GUARD
      )
    expect(planFor([t(1, 'new@x.ru', false)]).full).toMatch(/changed/) // moved to a new address
    expect(planFor([t(1, '', false, 'gone')]).full).toMatch(/changed/) // deleted
  })

  it('goes full when the removals would trip the guard on the estimated list size', () => {
    const touched = Array.from({ length: 30 }, (_, i) => t(i + 1, `u${i}@x.ru`, false))
    const base = touched.map((c) => [c.email, c.id] as [string, number])
    const facts = factsFor(base, () => true, touched)
    expect(
      planExactIncremental(touched, facts, { listSize: 100, percent: 25, minCount: 10 }).full
    ).toMatch(/guard/)
    expect(
      planExactIncremental(touched, facts, { listSize: 200, percent: 25, minCount: 10 }).full
    ).toBeNull()
  })

  it('property: never removes an address a member holds now, adds only members’ addresses', () => {
    const pool = ['a', 'b', 'c', 'd', 'e', 'f'].map((l) => `${l}@x.ru`)
    const customer = fc.record({
      email: fc.constantFrom(...pool),
      member: fc.boolean(),
      optedOut: fc.boolean(),
    })
    fc.assert(
      fc.property(
        fc.array(customer, { minLength: 1, maxLength: 10 }),
        fc.array(fc.record({ touched: fc.boolean(), after: customer }), {
          minLength: 10,
          maxLength: 10,
        }),
        (before, changes) => {
          // Baseline: the index of valid members; the list = their addresses minus vetoed ones.
          const ids = before.map((_, i) => i + 1)
          const vetoedBefore = new Set(
            before.filter((c) => c.member && c.optedOut).map((c) => c.email)
          )
          const baseline = before
            .map((c, i) => [c, ids[i]!] as const)
            .filter(([c]) => c.member && !c.optedOut)
            .map(([c, id]) => [c.email, id] as [string, number])
          const listed = new Set(baseline.map(([e]) => e).filter((e) => !vetoedBefore.has(e)))
          // Now: touched customers changed; the others are as before.
          const now = before.map((c, i) => (changes[i]!.touched ? changes[i]!.after : c))
          const touched: TouchedCustomer[] = now
            .map((c, i) => ({ c, i }))
            .filter(({ i }) => changes[i]!.touched)
            .map(({ c, i }) => t(ids[i]!, c.email, c.member, c.optedOut ? 'opted_out' : 'valid'))
          const plan = planExactIncremental(
            touched,
            factsFor(baseline, (e) => listed.has(e), touched),
            NO_GUARD
          )
          if (plan.full) return
          const heldNow = new Set(now.filter((c) => c.member && !c.optedOut).map((c) => c.email))
          const vetoedNow = new Set(now.filter((c) => c.member && c.optedOut).map((c) => c.email))
          for (const e of plan.removes) expect(heldNow.has(e) && !vetoedNow.has(e)).toBe(false)
          for (const e of plan.adds) expect(heldNow.has(e)).toBe(true)
        }
      ),
      { numRuns: 2000, seed: 7 }
    )
  })
})
