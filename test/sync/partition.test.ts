/** Packing emails and hash partitioning (partition.ts). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hash32, PartitionBuffer, pack, unpack } from '../../src/sync/partition'

describe('packing and partitions', () => {
  it('packs losslessly and partitions stably', () => {
    fc.assert(
      fc.property(fc.array(fc.emailAddress()), (emails) => {
        expect(unpack(pack(emails))).toEqual(emails)
        const buf = new PartitionBuffer(8)
        for (const e of emails) buf.add('S', e)
        expect(buf.size).toBe(emails.length)
        for (const g of buf.groups())
          for (const e of g.emails) expect(hash32(e) % 8).toBe(g.partition)
      })
    )
  })
})
