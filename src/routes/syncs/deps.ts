/** What the sync routes hand to domain code, built from the request once per use. */
import type { Context } from 'hono'
import { clientSettings } from '../../credentials/clients'
import type { AppEnv } from '../../env'
import type { FormDeps } from '../../sync-settings/form'
import { tr } from '../../ui/renderer'

/** Starting or steering a run: D1, the queue, the clock. */
export function runDeps<E extends AppEnv>(c: Context<E>) {
  return { db: c.var.db, queue: c.env.SYNC_QUEUE, now: Date.now }
}

/** The sync form's sources (CRM segments, Unisender lists and plan) for the signed-in tenant. */
export function formDeps<E extends AppEnv>(c: Context<E>): FormDeps {
  return { db: c.var.db, settings: clientSettings(c.env), tenant: c.var.tenant, t: tr(c) }
}
