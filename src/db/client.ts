/** One place that turns the D1 binding into a typed drizzle database. */
import { type DrizzleD1Database, drizzle } from 'drizzle-orm/d1'
import * as schema from './schema'

export type Db = DrizzleD1Database<typeof schema>

/** Wraps the D1 binding; cheap, so it is done per request or per queue batch. */
export function createDb(d1: D1Database): Db {
  return drizzle(d1, { schema })
}
