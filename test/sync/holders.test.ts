/** The holder index: encoding round trip, shared addresses, and collecting facts for a plan. */
import { describe, expect, it } from 'vitest'
import {
  buildHolders,
  collectHolders,
  encodeHolders,
  type HolderFacts,
  scanHolders,
  splitMemberLine,
} from '../../src/sync/holders'
import { hash32 } from '../../src/sync/partition'

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
    expect(byHash.get(hash32('a@x.ru'))).toEqual({ hash: hash32('a@x.ru'), id: 1, inList: true })
    expect(byHash.get(hash32('b@x.ru'))!.id).toBe(0)
    expect(byHash.get(hash32('c@x.ru'))).toMatchObject({ id: 4, inList: false })
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
    collectHolders(facts, data, new Set([hash32('a@x.ru')]), new Set([2]))
    expect([...facts.byHash.keys()]).toEqual([hash32('a@x.ru')])
    expect([...facts.heldBy]).toEqual([[2, new Set([hash32('b@x.ru')])]])
  })

  it('splits staged member lines with and without the customer id', () => {
    expect(splitMemberLine('a@x.ru\t42')).toEqual(['a@x.ru', 42])
    expect(splitMemberLine('a@x.ru')).toEqual(['a@x.ru', 0])
  })
})
