import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { shardCount, shardD1, shardOf, tenantD1 } from '../../src/db/tenant-db'

const other = {} as D1Database

describe("resolving a shop's database", () => {
  it('is DB for every tenant while DB_SHARDS is unset or 1', () => {
    expect(shardCount({ DB: env.DB })).toBe(1)
    expect(tenantD1({ DB: env.DB }, 7)).toBe(env.DB)
    expect(tenantD1({ DB: env.DB, DB_SHARDS: '1' }, 12345)).toBe(env.DB)
  })

  it('spreads tenants by id over the configured shard bindings', () => {
    const e = { DB: env.DB, DB_SHARDS: '2', DB_SHARD_1: other }
    expect(shardCount(e)).toBe(2)
    expect([shardOf(4, 2), shardOf(5, 2)]).toEqual([0, 1])
    expect(tenantD1(e, 4)).toBe(env.DB)
    expect(tenantD1(e, 5)).toBe(other)
  })

  it('refuses a shard without its binding and ignores a malformed count', () => {
    expect(() => shardD1({ DB: env.DB, DB_SHARDS: '3' }, 2)).toThrow(/DB_SHARD_2/)
    expect(shardCount({ DB: env.DB, DB_SHARDS: 'two' })).toBe(1)
    expect(shardCount({ DB: env.DB, DB_SHARDS: '0' })).toBe(1)
  })
})
