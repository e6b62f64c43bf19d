/**
 * Bindings of the Worker (see wrangler.toml) and the typed Hono environment. Secrets and vars are
 * optional here because they are only trusted after src/config.ts has validated them.
 */
import type { Db } from './db/client'
import type { Tenant } from './db/schema'
import type { SyncMessage } from './sync/messages'

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database
      SYNC_QUEUE: Queue<SyncMessage>
      ASSETS?: Fetcher
      ENCRYPTION_KEY?: string
      RETAILCRM_MODULE_SECRET?: string
      RETAILCRM_MODULE_CODE?: string
      PUBLIC_URL?: string
      UNISENDER_API_URL?: string
      APP_ENV?: string
      /** Development only: accept http://localhost CRM URLs at registration. */
      ALLOW_INSECURE_LOCALHOST?: string
    }
  }
}

export type Env = Cloudflare.Env

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
  }
}
