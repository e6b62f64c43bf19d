/**
 * The diff's slicing: every staged email is taken by exactly one step, whole partitions are packed
 * up to the budget, and a partition over the budget is cut so that no slice holds (much) more
 * than the budget, whatever N is.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { diffSlice, isWhole, sliceFilter } from '../../src/sync/diff-slice'
import { PARTITIONS, partitionOf, SUBS, subOf } from '../../src/sync/partition'

/** The slices a diff phase takes, walking the cursor as stepDiff does. */
function walk(sizes: Map<number, number>, budget: number) {
  const slices = []
  let partition = 0
  let sub = 0
  while (partition < PARTITIONS) {
    const s = diffSlice(sizes, partition, sub, budget)
    slices.push(s)
    if (s.subTo < SUBS) sub = s.subTo
    else {
      sub = 0
      partition = s.to
    }
    if (slices.length > PARTITIONS * SUBS) throw new Error('no progress')
  }
  return slices
}

const emails = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`)

describe('diff slices', () => {
  it('take every email exactly once, for any sizes and budget', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5_000 }), {
          minLength: PARTITIONS,
          maxLength: PARTITIONS,
        }),
        fc.integer({ min: 1, max: 3_000 }),
        (counts, budget) => {
          const sizes = new Map(counts.map((n, p) => [p, n]))
          const slices = walk(sizes, budget)
          const taken = new Map<string, number>()
          for (const e of emails(400)) {
            const p = partitionOf(e)
            const by = slices.filter((s) => p >= s.from && p < s.to && sliceFilter(s)(e))
            taken.set(e, by.length)
          }
          expect([...taken.values()].every((n) => n === 1)).toBe(true)
        }
      )
    )
  })

  it('pack small partitions whole, up to the budget', () => {
    const sizes = new Map(Array.from({ length: PARTITIONS }, (_, p) => [p, 100]))
    const slices = walk(sizes, 450)
    expect(slices.every(isWhole)).toBe(true)
    expect(slices.map((s) => s.to - s.from)).toEqual([4, 4, 4, 4])
  })

  it('cut a large partition so a slice holds about the budget, at any N', () => {
    for (const n of [50_000, 1_000_000, 4_000_000]) {
      const all = emails(n / 20) // a sample of the addresses, enough to count slice shares
      const perPartition = n / PARTITIONS
      const sizes = new Map(Array.from({ length: PARTITIONS }, (_, p) => [p, perPartition]))
      const budget = 20_000
      for (const s of walk(sizes, budget).filter((x) => x.from === 3)) {
        const keep = sliceFilter(s)
        const share = all.filter((e) => partitionOf(e) === 3 && keep(e)).length * 20
        // Hash shares vary by a few percent; a slice never takes a partition it does not cover.
        expect(share).toBeLessThanOrEqual(budget * 1.15)
        expect(s.to).toBe(4)
      }
    }
  })

  it('use hash bits independent of the partition', () => {
    const inPartition = emails(64_000).filter((e) => partitionOf(e) === 5)
    const perSub = new Array(SUBS).fill(0)
    for (const e of inPartition) perSub[subOf(e)]++
    const mean = inPartition.length / SUBS
    expect(Math.min(...perSub)).toBeGreaterThan(mean * 0.6)
    expect(Math.max(...perSub)).toBeLessThan(mean * 1.4)
  })
})
