/**
 * Read-only views of the local D1 databases (the SQLite files miniflare keeps under the bench's
 * state directory), so the benchmark can watch runs and the sandbox list without calling the
 * Workers — reads from here cost the measured Workers nothing and do not show in their counters.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

process.removeAllListeners('warning') // node:sqlite prints an ExperimentalWarning on import
const { DatabaseSync } = await import('node:sqlite')

/** Opens (lazily, read-only) the D1 SQLite file under `persistDir` that holds `table`. */
export function localD1(persistDir, table) {
  let db = null
  return {
    get() {
      if (db) return db
      const dir = join(persistDir, 'v3', 'd1', 'miniflare-D1DatabaseObject')
      if (!existsSync(dir)) return null
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('.sqlite') || f === 'metadata.sqlite') continue
        const candidate = new DatabaseSync(join(dir, f), { readOnly: true })
        const found = candidate
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
          .get(table)
        if (found) {
          db = candidate
          return db
        }
        candidate.close()
      }
      return null
    },
    all(sql, ...params) {
      const d = this.get()
      return d ? d.prepare(sql).all(...params) : []
    },
    one(sql, ...params) {
      return this.all(sql, ...params)[0] ?? null
    },
    close() {
      db?.close()
      db = null
    },
  }
}

/**
 * Bytes of the local D1 database files under `persistDir` (the SQLite files and their -wal/-shm
 * companions that miniflare keeps for the module's D1), or null when there are none. These are
 * the databases the module's workerd process serves from its own memory and page cache.
 */
export function d1FileBytes(persistDir) {
  const dir = join(persistDir, 'v3', 'd1', 'miniflare-D1DatabaseObject')
  if (!existsSync(dir)) return null
  let bytes = 0
  for (const f of readdirSync(dir)) {
    try {
      bytes += statSync(join(dir, f)).size
    } catch {}
  }
  return bytes
}
