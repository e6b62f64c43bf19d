/** The plan of one partition (diff.ts): every mode keeps its promise, on random inputs. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { diffPartition } from '../../src/sync/diff'

describe('diff guarantees (property)', () => {
  const email = fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `u${i}@x.ru`))
  const sets = fc.record({
    S: fc.array(email, { maxLength: 25 }),
    O: fc.array(email, { maxLength: 5 }),
    K: fc.array(email, { maxLength: 3 }),
    L: fc.array(email, { maxLength: 25 }),
    U: fc.array(email, { maxLength: 5 }),
    N: fc.array(email, { maxLength: 5 }),
  })

  it('every mode keeps its promise and touches only what it should', () => {
    fc.assert(
      fc.property(
        sets,
        fc.constantFrom('exact', 'union', 'subtract') as fc.Arbitrary<
          'exact' | 'union' | 'subtract'
        >,
        fc.boolean(),
        (inp, mode, additionsOnly) => {
          const plan = diffPartition(mode, inp, { additionsOnly, rejectCap: 1000 })
          const N = new Set(inp.N)
          const members = new Set([...inp.L, ...inp.U].filter((e) => !N.has(e)))
          const O = new Set(inp.O)
          const K = new Set(inp.K)
          const U = new Set(inp.U)
          const addable = new Set(inp.S.filter((e) => !O.has(e) && !K.has(e)))
          const segment = new Set([...inp.S, ...inp.O, ...inp.K])
          // Never remove what is not a member; never add a member or anything not addable.
          for (const e of plan.removes) expect(members.has(e)).toBe(true)
          for (const e of plan.adds) {
            expect(addable.has(e) && !members.has(e) && !N.has(e)).toBe(true)
          }
          expect(new Set(plan.adds).size).toBe(plan.adds.length)
          expect(new Set(plan.removes).size).toBe(plan.removes.length)
          if (additionsOnly) expect(plan.removes).toEqual([])
          if (mode === 'union') expect(plan.removes).toEqual([])
          if (mode === 'subtract') expect(plan.adds).toEqual([])
          const after = new Set(members)
          for (const e of plan.removes) after.delete(e)
          for (const e of plan.adds) after.add(e)
          if (mode === 'exact' && !additionsOnly) {
            // L = S except what Unisender will not take (U, N) and CRM opt-outs; roles stay if present.
            for (const e of after) expect(addable.has(e) || (K.has(e) && !O.has(e))).toBe(true)
            for (const e of addable) if (!U.has(e) && !N.has(e)) expect(after.has(e)).toBe(true)
          }
          if (mode === 'union')
            for (const e of addable) if (!U.has(e) && !N.has(e)) expect(after.has(e)).toBe(true)
          if (mode === 'subtract' && !additionsOnly)
            for (const e of segment) expect(after.has(e)).toBe(false)
        }
      )
    )
  })
})

describe('subtraction counts what it did (issue #13, point 11)', () => {
  it('removes opted-out and role members without calling them skipped or rejected', () => {
    const plan = diffPartition(
      'subtract',
      {
        S: ['a@x.ru'],
        O: ['out@x.ru', 'gone@x.ru'],
        K: ['info@x.ru'],
        L: ['a@x.ru', 'out@x.ru', 'info@x.ru', 'keep@x.ru'],
        U: [],
        N: [],
      },
      { additionsOnly: false, rejectCap: 100 }
    )
    expect(plan.removes).toEqual(['a@x.ru', 'info@x.ru', 'out@x.ru'])
    expect(plan.counts.skippedOptedOut).toBe(0)
    expect(plan.counts.invalid).toBe(0)
    expect(plan.counts.unchanged).toBe(1)
    expect(plan.rejects).toEqual([])
  })
})
