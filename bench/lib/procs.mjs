/**
 * Starts the module Worker and the sandbox Worker under `wrangler dev` (local D1 and queues, own
 * ports and state directory), streams their output line by line, and finds the workerd processes
 * behind them so CPU and memory can be read from /proc.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

/** Environment for children: the project's own Node 22 first on PATH. */
export function childEnv(root) {
  const bin = join(root, 'node_modules', '.bin')
  return {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  }
}

/** Runs a wrangler command to completion; throws with its output on failure. */
export function wranglerSync(root, args) {
  const res = spawnSync(join(root, 'node_modules', '.bin', 'wrangler'), args, {
    cwd: root,
    env: childEnv(root),
    encoding: 'utf8',
    timeout: 180_000,
  })
  if (res.status !== 0)
    throw new Error(`wrangler ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`)
  return res.stdout
}

/**
 * Starts `wrangler dev` with `args`; `onLine(line)` gets every stdout/stderr line. Resolves once
 * `readyUrl` answers (any HTTP status), or rejects after `timeoutMs`. `env` adds variables.
 */
export async function startWrangler(
  root,
  { name, args, onLine, readyUrl, timeoutMs = 120_000, env = {} }
) {
  const child = spawn(join(root, 'node_modules', '.bin', 'wrangler'), ['dev', ...args], {
    cwd: root,
    env: { ...childEnv(root), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => onLine(line))
  }
  let exited = null
  child.on('exit', (code) => {
    exited = code ?? -1
  })
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`${name}: wrangler dev exited with ${exited}`)
    try {
      await fetch(readyUrl, { signal: AbortSignal.timeout(2000) })
      return child
    } catch {
      await sleep(500)
    }
  }
  await stopProcess(child)
  throw new Error(`${name}: not ready after ${timeoutMs / 1000} s`)
}

/** Stops a process group started by startWrangler (SIGTERM, then SIGKILL after 5 s). */
export async function stopProcess(child) {
  if (!child || child.exitCode !== null) return
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {}
  for (let i = 0; i < 50 && child.exitCode === null; i++) await sleep(100)
  if (child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {}
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Pids of every descendant of `pid` whose command name is `comm`. */
export function descendants(pid, comm) {
  const children = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      if (!children.has(ppid)) children.set(ppid, [])
      children.get(ppid).push({ pid: Number(entry), name })
    } catch {}
  }
  const out = []
  const stack = [pid]
  while (stack.length > 0) {
    const p = stack.pop()
    for (const c of children.get(p) ?? []) {
      if (c.name === comm) out.push(c.pid)
      stack.push(c.pid)
    }
  }
  return out
}

/** CPU time in ns used so far by all threads of `pid` (/proc/<pid>/task/<tid>/schedstat). */
export function cpuNs(pid) {
  let total = 0
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      } catch {}
    }
  } catch {}
  return total
}

/** Resident and peak-resident memory of `pid` in bytes (VmRSS, VmHWM). */
export function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
  } catch {
    return { rss: 0, hwm: 0 }
  }
}

/**
 * Starts the sandbox Worker (both emulators) on `port`, handing off to the module at `appUrl`, as
 * every bench scenario does; resolves once its Unisender emulator answers.
 */
export function startSandboxWorker(code, o) {
  const sandboxUrl = `http://localhost:${o.port}`
  return startWrangler(code, {
    name: 'sandbox',
    args: [
      '-c',
      'wrangler.sandbox.toml',
      '--port',
      String(o.port),
      '--persist-to',
      o.state,
      '--inspector-port',
      String(o.port + 1000),
      '--var',
      `MODULE_URL:${o.appUrl}`,
      '--var',
      `MODULE_SECRET:${o.secret}`,
      '--var',
      `BENCH_RATE_SCALE:${o.rateScale}`,
    ],
    onLine: o.onLine,
    readyUrl: `${sandboxUrl}/unisender/inspect.json`,
  })
}

/**
 * Starts the module Worker on `port` against the sandbox at `sandboxUrl` with the bench's settings
 * (development cookies, localhost CRM allowed, BENCH metering lines, cron fired by hand through
 * --test-scheduled, an inspector for CPU and heap); resolves once /healthz answers.
 */
export function startModuleWorker(code, o) {
  const appUrl = `http://localhost:${o.port}`
  const vars = {
    ENCRYPTION_KEY: o.encryptionKey,
    RETAILCRM_MODULE_SECRET: o.secret,
    RETAILCRM_MODULE_CODE: 'unisender-segments',
    PUBLIC_URL: appUrl,
    UNISENDER_API_URL: `${o.sandboxUrl}/unisender/ru/api`,
    APP_ENV: 'development',
    ALLOW_INSECURE_LOCALHOST: '1',
    BENCH: '1',
  }
  return startWrangler(code, {
    name: 'module',
    args: [
      '--port',
      String(o.port),
      '--persist-to',
      o.state,
      '--test-scheduled',
      '--inspector-port',
      String(o.port + 1000),
      ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ],
    onLine: o.onLine,
    readyUrl: `${appUrl}/healthz`,
    env: o.env,
  })
}
