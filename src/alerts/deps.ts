/** Production wiring of the alert pass: D1, the wall clock, the tenant's own CRM client. */
import { getConfig } from '../config'
import { clientSettings, tenantCrmClient } from '../credentials/clients'
import type { Env } from '../env'
import type { AlertDeps } from './notify'

/** The deps of runAlerts for the deployed Worker (tests override `now` or `send`). */
export function alertDepsFromEnv(env: Env, overrides: Partial<AlertDeps> = {}): AlertDeps {
  return {
    d1: env.DB,
    now: () => Date.now(),
    publicUrl: getConfig(env).PUBLIC_URL,
    send: async (tenant, n) => {
      const crm = await tenantCrmClient(clientSettings(env), tenant, { timeoutMs: 10_000 })
      await crm.sendNotification(n)
    },
    ...overrides,
  }
}
