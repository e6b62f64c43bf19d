/**
 * The one place that says which D1 database holds a shop's rows (docs/scaling.md "The seam"). Today
 * every shop lives in `DB`. Past what one database serves, shops are spread over shard databases
 * with the same schema: bind them as `DB_SHARD_1` … `DB_SHARD_<n-1>` beside `DB` (shard 0) and set
 * the var `DB_SHARDS = "<n>"`; a shop's shard is its tenant id modulo n. Without `DB_SHARDS` (or
 * with "1") everything resolves to `DB`, exactly as before. The scheduler (cron tick per shard, the
 * poll consumers) resolves its database here; docs/scaling.md lists what else must move first.
 */
import { createDb, type Db } from './client'

/** The bindings this module reads: `DB` and, when sharded, `DB_SHARDS` and `DB_SHARD_<i>`. */
export type ShardEnv = { DB: D1Database; DB_SHARDS?: string } & {
  [K in `DB_SHARD_${number}`]?: D1Database
}

/** Number of shard databases: `DB_SHARDS` when it is a whole number ≥ 1, else 1. */
export function shardCount(env: ShardEnv): number {
  const n = Number(env.DB_SHARDS ?? '1')
  return Number.isInteger(n) && n >= 1 ? n : 1
}

/** The shard of a tenant: its id modulo the shard count (ids are never reused, so this is stable). */
export function shardOf(tenantId: number, shards: number): number {
  return shards <= 1 ? 0 : tenantId % shards
}

/** The D1 binding of shard `i`; throws when a configured shard has no binding (a deploy error). */
export function shardD1(env: ShardEnv, shard: number): D1Database {
  if (shard === 0) return env.DB
  const d1 = env[`DB_SHARD_${shard}`]
  if (!d1)
    throw new Error(`DB_SHARDS is ${env.DB_SHARDS} but the binding DB_SHARD_${shard} is missing`)
  return d1
}

/** The D1 binding that holds this tenant's rows. */
export function tenantD1(env: ShardEnv, tenantId: number): D1Database {
  return shardD1(env, shardOf(tenantId, shardCount(env)))
}

/** The drizzle database that holds this tenant's rows. */
export function tenantDb(env: ShardEnv, tenantId: number): Db {
  return createDb(tenantD1(env, tenantId))
}
