/**
 * Route middleware: loads the sync named by `:id` for the signed-in tenant into `c.var.sync`, or
 * answers 404 — the same for a sync that does not exist and for another tenant's.
 */
import { createMiddleware } from 'hono/factory'
import { getSync, type SyncRow } from '../../db/queries/syncs'
import type { AppEnv } from '../../env'
import { idParam, notFound } from '../ui-helpers'

/** The Hono environment of routes that have a loaded sync. */
export type SyncEnv = AppEnv & { Variables: AppEnv['Variables'] & { sync: SyncRow } }

/** Put before a handler of a `/:id…` route: `syncs.get('/:id', loadSync, (c) => c.var.sync)`. */
export const loadSync = createMiddleware<SyncEnv>(async (c, next) => {
  const sync = (await getSync(c.var.db, c.var.tenant.id, idParam(c))) ?? notFound()
  c.set('sync', sync)
  await next()
})
