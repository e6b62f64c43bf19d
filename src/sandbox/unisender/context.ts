/** What an API method gets: the authenticated account, its parameters and the emulator state. */
import type { PhpArray } from './params'
import type { SandboxState } from './state'
import type { Account } from './store'

export interface MethodContext {
  db: D1Database
  account: Account
  params: PhpArray
  now: number
  state: SandboxState
  /** Absolute URL where the emulator is mounted (e.g. http://localhost:8788/unisender). */
  base: string
  /** The request's `ctx.waitUntil`, when it has an execution context (background work). */
  waitUntil?: (work: Promise<unknown>) => void
}

/** One API method: returns the `result` value or throws UniError. */
export type MethodHandler = (ctx: MethodContext) => Promise<unknown>
