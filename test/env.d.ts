declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
    SANDBOX_DB: D1Database
    SANDBOX_ENABLED: string
  }
  interface GlobalProps {
    mainModule: typeof import('../src/index')
  }
}
