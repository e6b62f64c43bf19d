/** Shared by the emulator's sub-apps: injected dependencies, the Hono environment, scope checks. */
import type { MiddlewareHandler } from 'hono'
import type { SandboxEnv } from '../env'
import type { EmulatorStats } from './customers'
import type { FaultStore, RateLimiter } from './faults'
import type { ApiKey } from './keys'
import { crmError } from './params'
import type { ShopState } from './state'

/** Everything time- or state-dependent, injectable so tests are deterministic. */
export interface EmulatorDeps {
  now: () => number
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  faults: FaultStore
  limiter: RateLimiter
  stats: EmulatorStats
}

export type CrmEnv = {
  Bindings: SandboxEnv
  Variables: { shop: ShopState; apiKey: ApiKey; base: string }
}

/** 403 `Access denied.` unless the request's API key holds `scope`. */
export function requireScope(scope: string): MiddlewareHandler<CrmEnv> {
  return async (c, next) => {
    if (!c.get('apiKey').scopes.includes(scope)) return c.json(crmError('Access denied.'), 403)
    await next()
  }
}
