/**
 * A D1 that counts the statements the code under test sends (a batch counts each of its
 * statements), for tests that hold a step to its subrequest budget.
 */
import { env } from 'cloudflare:workers'

/** env.DB, counting into `counter.n`. */
export function countingD1(counter: { n: number }): D1Database {
  const wrapStmt = (st: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(st, {
      get(t, p) {
        const v = Reflect.get(t, p)
        if (p === 'bind') return (...a: unknown[]) => wrapStmt(v.apply(t, a))
        if (p === 'first' || p === 'all' || p === 'run' || p === 'raw') {
          return (...a: unknown[]) => {
            counter.n++
            return v.apply(t, a)
          }
        }
        return typeof v === 'function' ? v.bind(t) : v
      },
    })
  return new Proxy(env.DB, {
    get(t, p) {
      const v = Reflect.get(t, p)
      if (p === 'prepare') return (q: string) => wrapStmt(v.call(t, q))
      if (p === 'batch') {
        return (stmts: D1PreparedStatement[]) => {
          counter.n += stmts.length
          // Unwrap: D1 needs its own statement objects.
          return v.call(
            t,
            stmts.map((s) => (s as unknown as { valueOf(): D1PreparedStatement }).valueOf())
          )
        }
      }
      return typeof v === 'function' ? v.bind(t) : v
    },
  })
}
