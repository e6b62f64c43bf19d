/**
 * forEachChunk streams staged rows a page at a time: every row of the asked sides and partitions
 * exactly once (negative sequence numbers included), in partition and sequence order, and nothing
 * of other sides, partitions or runs.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { CHUNK_PAGE_ROWS, forEachChunk } from '../../src/sync/store'
import { makeAccount, makeRun, makeSync, makeTenant } from '../support/fixtures'

async function stage(runId: number, side: string, bucket: number, seq: number) {
  await env.DB.prepare(
    'INSERT INTO run_chunks (run_id, side, bucket, seq, item_count, data) VALUES (?, ?, ?, ?, 1, ?)'
  )
    .bind(runId, side, bucket, seq, `${side}:${bucket}:${seq}`)
    .run()
}

describe('forEachChunk', () => {
  it('visits every row in range once, over several pages', async () => {
    const tenant = await makeTenant()
    const account = await makeAccount(tenant.id)
    const sync = await makeSync(tenant.id, account.id)
    const run = await makeRun(tenant.id, sync.id)
    const other = await makeRun(tenant.id, sync.id)
    const perBucket = CHUNK_PAGE_ROWS + 5 // more than a page in one partition
    for (let bucket = 0; bucket < 4; bucket++)
      for (let seq = -3; seq < perBucket - 3; seq++) await stage(run.id, 'S', bucket, seq)
    await stage(run.id, 'L', 2, 0)
    await stage(run.id, 'H', 2, 1) // another side
    await stage(other.id, 'S', 2, 7) // another run
    const seen: string[] = []
    await forEachChunk(env.DB, run.id, ['S', 'L'], 1, 3, (r) => seen.push(r.data))
    const expected = [1, 2].flatMap((bucket) =>
      Array.from({ length: perBucket }, (_, i) => `S:${bucket}:${i - 3}`)
    )
    expect(seen).toEqual([...expected, 'L:2:0'])
  })
})
