/** The holder index: encoding round trip, shared addresses, and collecting facts for a plan. */
import { describe, expect, it } from 'vitest'
import {
  buildHolders,
  collectHolders,
  encodeHolders,
  type HolderFacts,
  holderKey,
  keyPartition,
  scanHolders,
  splitMemberLine,
} from '../../src/sync/holders'
import { hash32, partitionOf } from '../../src/sync/partition'

describe('holder index', () => {
  it('keeps one holder per address, 0 when two customers hold it, and the in-list flag', () => {
    const entries = buildHolders(
      [
        ['a@x.ru', 1],
        ['b@x.ru', 2],
        ['b@x.ru', 3],
        ['c@x.ru', 4],
        ['c@x.ru', 4],
      ],
      (e) => e !== 'c@x.ru'
    )
    const byHash = new Map(entries.map((e) => [e.hash, e]))
    expect(byHash.get(holderKey('a@x.ru'))).toEqual({
      hash: holderKey('a@x.ru'),
      id: 1,
      inList: true,
    })
    expect(byHash.get(holderKey('b@x.ru'))!.id).toBe(0)
    expect(byHash.get(holderKey('c@x.ru'))).toMatchObject({ id: 4, inList: false })
  })

  it('round-trips through the staged text form', () => {
    const entries = buildHolders(
      Array.from({ length: 500 }, (_, i) => [`u${i}@x.ru`, i + 1] as const),
      (e) => e.endsWith('7@x.ru')
    )
    const back: typeof entries = []
    scanHolders(encodeHolders(entries).join('\n'), (e) => back.push(e))
    expect(back).toEqual(entries)
  })

  it('collects the entries of wanted addresses and what wanted customers held', () => {
    const data = encodeHolders(
      buildHolders(
        [
          ['a@x.ru', 1],
          ['b@x.ru', 2],
          ['z@x.ru', 9],
        ],
        () => true
      )
    ).join('\n')
    const facts: HolderFacts = { byHash: new Map(), heldBy: new Map() }
    collectHolders(facts, data, new Set([holderKey('a@x.ru')]), new Set([2]))
    expect([...facts.byHash.keys()]).toEqual([holderKey('a@x.ru')])
    expect([...facts.heldBy]).toEqual([[2, new Set([holderKey('b@x.ru')])]])
  })

  it('keys addresses by 64 bits: a pair that collides in 32-bit FNV-1a stays apart', () => {
    // user449599 and user612382 @example.com share their FNV-1a hash (the partition hash).
    const a = 'user449599@example.com'
    const b = 'user612382@example.com'
    expect(hash32(a)).toBe(hash32(b))
    expect(holderKey(a)).not.toBe(holderKey(b))
    const entries = buildHolders(
      [
        [a, 1],
        [b, 2],
      ],
      () => true
    )
    expect(entries.map((e) => e.id).sort()).toEqual([1, 2])
    expect(keyPartition(holderKey(a))).toBe(partitionOf(a))
  })

  it('splits staged member lines with and without the customer id', () => {
    expect(splitMemberLine('a@x.ru\t42')).toEqual(['a@x.ru', 42])
    expect(splitMemberLine('a@x.ru')).toEqual(['a@x.ru', 0])
  })
})
