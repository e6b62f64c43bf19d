/**
 * Benchmark metering (`npm run bench` only): counts what one Worker invocation does — subrequests
 * (fetch calls, D1 statements, queue sends) and the D1 rows it read and wrote — and logs one JSON
 * line per invocation. scripts/bench.mjs pairs those lines with CPU samples of the workerd process,
 * because workerd's clocks do not advance during CPU work and so cannot time it from inside.
 * Inert unless the BENCH var is '1': production and tests take the plain path at no cost.
 */

/** What one invocation did; `d1Statements` counts each statement of a batch. */
export interface InvocationCounts {
  fetches: number
  /** D1 binding calls: one per statement call, one per batch. */
  d1Calls: number
  d1Statements: number
  queueSends: number
  rowsRead: number
  rowsWritten: number
}

type MeterEnv = { BENCH?: string; DB: D1Database; SYNC_QUEUE?: Queue<unknown> }

/** Invocations in flight in this isolate, with whether another one overlapped them. */
const active = new Map<InvocationCounts, { overlapped: boolean }>()
let nextId = 1

/** Whether the benchmark asked for metering. */
export function benchEnabled(env: { BENCH?: string }): boolean {
  return env.BENCH === '1'
}

/**
 * Runs `fn` with an env whose D1 and queue bindings count their use, then logs
 * `bench:step {...}`; without BENCH=1 it just calls `fn(env)`. `tags` name the work (e.g. run ids).
 */
export async function metered<E extends MeterEnv, T>(
  kind: 'queue' | 'scheduled',
  env: E,
  fn: (env: E) => Promise<T>,
  tags: () => Record<string, unknown> = () => ({})
): Promise<T> {
  if (!benchEnabled(env)) return fn(env)
  patchFetch()
  const id = nextId++
  const counts = emptyCounts()
  const meteredEnv: E = { ...env, DB: meterD1(env.DB, counts) }
  if (env.SYNC_QUEUE) meteredEnv.SYNC_QUEUE = meterQueue(env.SYNC_QUEUE, counts)
  const state = { overlapped: active.size > 0 }
  for (const other of active.values()) other.overlapped = true
  active.set(counts, state)
  const started = Date.now()
  console.log(`bench:start ${JSON.stringify({ id, kind })}`)
  let failed = false
  try {
    return await fn(meteredEnv)
  } catch (err) {
    failed = true
    throw err
  } finally {
    active.delete(counts)
    const subrequests = counts.fetches + counts.d1Statements + counts.queueSends
    const line = { id, kind, ...tags(), ...counts, subrequests, wallMs: Date.now() - started }
    console.log(`bench:step ${JSON.stringify({ ...line, overlapped: state.overlapped, failed })}`)
  }
}

/** Tags of a queue invocation: which runs its messages belong to, and the messages' types. */
export function batchTags(batch: MessageBatch<unknown>): () => Record<string, unknown> {
  return () => ({
    queue: batch.queue,
    messages: batch.messages.length,
    runIds: batch.messages.map((m) => (m.body as { runId?: unknown } | null)?.runId ?? null),
    types: batch.messages.map((m) => (m.body as { type?: unknown } | null)?.type ?? null),
  })
}

/** Zeroed counters. */
export function emptyCounts(): InvocationCounts {
  return { fetches: 0, d1Calls: 0, d1Statements: 0, queueSends: 0, rowsRead: 0, rowsWritten: 0 }
}

const WRAPPED = Symbol.for('bench.meteredFetch')

/**
 * Counts every global fetch for each invocation in flight. Concurrent invocations in one isolate
 * cannot be told apart without AsyncLocalStorage, so their lines carry `overlapped: true`. Re-wraps
 * whenever someone else replaced globalThis.fetch since (tests do).
 */
function patchFetch(): void {
  const current = globalThis.fetch as typeof fetch & { [WRAPPED]?: true }
  if (current[WRAPPED]) return
  const wrapper = (input: RequestInfo | URL, init?: RequestInit) => {
    for (const c of active.keys()) c.fetches++
    return current(input, init)
  }
  globalThis.fetch = Object.assign(wrapper, { [WRAPPED]: true as const }) as typeof fetch
}

function addMeta(
  c: InvocationCounts,
  meta: { rows_read?: number; rows_written?: number } | undefined
) {
  c.rowsRead += meta?.rows_read ?? 0
  c.rowsWritten += meta?.rows_written ?? 0
}

const inner = new WeakMap<object, D1PreparedStatement>()

/** A prepared statement that records its calls and the rows D1 reports for them. */
function meterStatement(stmt: D1PreparedStatement, c: InvocationCounts): D1PreparedStatement {
  const call = () => {
    c.d1Calls++
    c.d1Statements++
  }
  // raw() and first() are served from all(), whose result carries D1's meta (raw() drops it). The
  // row-to-array mapping is the one drizzle itself uses for batches (column order of the object),
  // so a query selecting two columns of the same name would differ; the module has none.
  const all = async <R>() => {
    call()
    const res = await stmt.all<R>()
    addMeta(c, res.meta)
    return res
  }
  const wrapped = {
    bind: (...values: unknown[]) => meterStatement(stmt.bind(...values), c),
    all,
    run: async <R>() => {
      call()
      const res = await stmt.run<R>()
      addMeta(c, res.meta)
      return res
    },
    first: async (col?: string) => {
      const row = (await all<Record<string, unknown>>()).results[0]
      if (row === undefined) return null
      if (col === undefined) return row
      if (!(col in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${col})`)
      return row[col]
    },
    raw: async (options?: { columnNames?: boolean }) => {
      const rows = (await all<Record<string, unknown>>()).results
      const out: unknown[][] = rows.map((r) => Object.keys(r).map((k) => r[k]))
      if (options?.columnNames) out.unshift(rows[0] ? Object.keys(rows[0]) : [])
      return out
    },
  } as unknown as D1PreparedStatement
  inner.set(wrapped, stmt)
  return wrapped
}

/** A D1 binding whose prepare/batch/exec are counted; everything else is passed through. */
export function meterD1(db: D1Database, c: InvocationCounts): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => meterStatement(target.prepare(sql), c)
      if (prop === 'batch')
        return async (stmts: D1PreparedStatement[]) => {
          c.d1Calls++
          c.d1Statements += stmts.length
          const res = await target.batch(stmts.map((s) => inner.get(s) ?? s))
          for (const r of res) addMeta(c, r.meta)
          return res
        }
      if (prop === 'exec')
        return async (sql: string) => {
          const res = await target.exec(sql)
          c.d1Calls++
          c.d1Statements += res.count
          return res
        }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** A queue producer whose send/sendBatch calls are counted as subrequests. */
export function meterQueue<T>(queue: Queue<T>, c: InvocationCounts): Queue<T> {
  return new Proxy(queue, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      if (prop === 'send' || prop === 'sendBatch')
        return (...args: unknown[]) => {
          c.queueSends++
          return value.apply(target, args)
        }
      return value.bind(target)
    },
  })
}

/** What the current memoryPeak call keeps reachable while the benchmark reads the heap. */
const peakHeld: unknown[] = []

/**
 * `npm run bench` only: marks the fullest point of a step, where sampling from outside would miss a
 * short peak. The benchmark runs the module's workerd with `--expose-gc` and holds an inspector
 * session with the debugger on (bench/lib/heap.mjs): a full GC here, with `keep` (what the step
 * holds) reachable, then a pause in which the benchmark reads the live heap and resumes. A no-op
 * wherever gc() is not exposed (production, the tests); `debugger` does nothing without a session.
 */
export function memoryPeak(label: string, ...keep: unknown[]): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (typeof gc !== 'function') return
  peakHeld.push(keep)
  gc()
  // biome-ignore lint/suspicious/noDebugger: the benchmark's session reads the heap here (see above)
  debugger
  peakHeld.pop()
  void label // read by the benchmark from the paused frame
}
