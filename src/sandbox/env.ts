/** Bindings of the sandbox Worker (wrangler.sandbox.toml). In tests the same names are bound too. */
export interface SandboxEnv {
  SANDBOX_DB: D1Database
  /** '1' enables the emulators; anything else answers 404 everywhere. */
  SANDBOX_ENABLED?: string
  MODULE_URL?: string
  MODULE_SECRET?: string
}

export type SandboxAppEnv = { Bindings: SandboxEnv }
