/**
 * Bindings of the Worker and the typed Hono environment. Everything wrangler.toml declares (DB,
 * SYNC_QUEUE, ASSETS and the [vars]) is typed by worker-configuration.d.ts, generated from it with
 * `npm run cf-typegen` and checked in CI. Declared here is only what generation cannot know: the
 * secrets and the development-only var that lives in .dev.vars. SYNC_QUEUE stays the generated
 * `Queue` (any body): each producer types its own end — the engine sends RunStep, the scheduler
 * RunStep | PollHistory — and the consumer parses every body as a QueueMessage
 * (src/queue-message.ts). Importing that type here would make the env depend on the engine.
 */
import type { Db } from './db/client'
import type { Tenant } from './db/schema'

declare global {
  namespace Cloudflare {
    interface Env {
      /** Secret (`wrangler secret put`; locally .dev.vars). */
      ENCRYPTION_KEY?: string
      /** Secret (`wrangler secret put`; locally .dev.vars). */
      RETAILCRM_MODULE_SECRET?: string
      /** Secret: opens the operator view (/operator); unset, the view does not exist (404). */
      OPERATOR_TOKEN?: string
      /** Development only (.dev.vars): accept http://localhost CRM URLs at registration. */
      ALLOW_INSECURE_LOCALHOST?: string
    }
  }
}

/**
 * The env as the code sees it: the generated bindings as they are, every string (the [vars] and the
 * secrets) optional. A deployment can lack any of them; src/config.ts names the missing ones and
 * supplies the defaults of UNISENDER_API_URL and APP_ENV.
 */
export type Env = StringsOptional<Cloudflare.Env>

type StringsOptional<T> = {
  [K in keyof T as T[K] extends string | undefined ? never : K]: T[K]
} & {
  [K in keyof T as T[K] extends string | undefined ? K : never]?: T[K]
}

/** Hono generics shared by every sub-app. */
export type AppEnv = {
  Bindings: Env
  Variables: {
    db: Db
    requestId: string
    /** Set by the session middleware on every signed-in page and API route. */
    tenant: Tenant
    /** CSRF token of the session: forms send it as `_csrf`, scripts as the X-CSRF-Token header. */
    csrfToken: string
    /** UI language: 'ru' (default) or 'en'. */
    locale: 'ru' | 'en'
    /** Syncs that need a person, for the banner on every signed-in page (src/http/attention.ts). */
    attention?: { syncId: number; name: string; state: string }[]
  }
}
