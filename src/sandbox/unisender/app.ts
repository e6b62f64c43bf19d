/**
 * The Unisender emulator as a Hono app that can be mounted at any base: the sandbox Worker serves it
 * at /unisender (API base http://localhost:8788/unisender/ru/api), the tests at the root of
 * https://api.unisender.test. State lives in SANDBOX_DB; the clock, faults and counters in memory.
 */
import { type Context, Hono } from 'hono'
import type { SandboxAppEnv } from '../env'
import { handleCall } from './api'
import { mountBase } from './base-url'
import { controlRoutes } from './control'
import { FILE_TTL_MS, loadTask, parseRange, streamFile } from './export-store'
import { inspectRoutes } from './inspect'
import { ensureSchema } from './schema'
import { SandboxState, type UnisenderSandboxOptions } from './state'

export interface UnisenderEmulator {
  app: Hono<SandboxAppEnv>
  state: SandboxState
}

/** The request's `waitUntil`, or undefined when it has no execution context (tests call app.fetch). */
function waitUntilOf(c: Context<SandboxAppEnv>): ((work: Promise<unknown>) => void) | undefined {
  try {
    const ec = c.executionCtx
    return (work) => ec.waitUntil(work)
  } catch {
    return undefined
  }
}

/** Builds an emulator instance (its own in-memory state). */
export function createUnisenderEmulator(opts: UnisenderSandboxOptions = {}): UnisenderEmulator {
  const state = new SandboxState(opts)
  const app = new Hono<SandboxAppEnv>()
  app.use(async (c, next) => {
    await ensureSchema(c.env.SANDBOX_DB, state.now())
    await next()
  })
  const call = (c: Context<SandboxAppEnv>, method: string) => {
    const base = mountBase(c.req.raw.url, `/${c.req.param('lang')}/api/`)
    return handleCall(c.req.raw, method, {
      db: c.env.SANDBOX_DB,
      state,
      base,
      waitUntil: waitUntilOf(c),
    })
  }
  app.all('/:lang{ru|en|ua|it}/api/async/:method', (c) => call(c, `async/${c.req.param('method')}`))
  app.all('/:lang{ru|en|ua|it}/api/:method', (c) => call(c, c.req.param('method')))
  app.get('/files/export/:file{[0-9a-f-]+\\.csv}', async (c) => {
    state.countCall('download')
    const fault = state.faults.pick('download', true)
    if (fault?.kind === 'http5xx') {
      return new Response('Service Unavailable', { status: fault.status ?? 503 })
    }
    if (fault?.kind === 'timeout') {
      await state.sleep(fault.timeoutMs ?? 60_000)
      return c.text('Gateway Timeout', 504)
    }
    const task = await loadTask(c.env.SANDBOX_DB, c.req.param('file').replace(/\.csv$/, ''))
    if (task?.status !== 'completed' || state.now() - task.createdAt > FILE_TTL_MS) {
      return c.text('Not found', 404)
    }
    const headers: Record<string, string> = {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="export.csv"',
      'accept-ranges': 'bytes',
    }
    const range = parseRange(c.req.header('range') ?? null, task.size)
    if (range === 'unsatisfiable') {
      return new Response(null, {
        status: 416,
        headers: { 'content-range': `bytes */${task.size}` },
      })
    }
    const { start, end } = range ?? { start: 0, end: task.size - 1 }
    headers['content-length'] = String(end - start + 1)
    if (range) headers['content-range'] = `bytes ${start}-${end}/${task.size}`
    // A fixed-length stream makes workerd send Content-Length instead of chunked encoding.
    const { readable, writable } = new FixedLengthStream(end - start + 1)
    void streamFile(c.env.SANDBOX_DB, task.uuid, start, end)
      .pipeTo(writable)
      .catch(() => {})
    return new Response(readable, {
      status: range ? 206 : 200,
      headers,
    })
  })
  app.route('/', inspectRoutes(state))
  app.route('/control', controlRoutes(state))
  return { app, state }
}

/** The emulator app alone (the sandbox Worker mounts this). */
export function createUnisenderApp(opts: UnisenderSandboxOptions = {}): Hono<SandboxAppEnv> {
  return createUnisenderEmulator(opts).app
}
