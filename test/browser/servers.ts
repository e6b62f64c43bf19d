/**
 * Starts the module and the sandbox with `wrangler dev` on free ports, each with its own fresh local
 * state (a temp directory), the way scripts/dev.mjs does for `npm start`: the app gets a throwaway
 * env file (fresh ENCRYPTION_KEY, PUBLIC_URL and UNISENDER_API_URL pointing at the sandbox), the
 * sandbox's marketplace points at the app. Both Workers are bundled once up front and served with
 * --no-bundle, so an edit of the sources during a run cannot reload a Worker mid-test (a reload
 * drops local queue messages). Stops both (whole process groups) afterwards.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')
const bin = join(root, 'node_modules', '.bin')
const wrangler = join(bin, 'wrangler')
const childEnv = {
  ...process.env,
  PATH: `${bin}:${process.env.PATH ?? ''}`,
  WRANGLER_SEND_METRICS: 'false',
  // Offline: no download of wrangler's Request.cf data (the module never reads request.cf).
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  CI: 'true',
}

export interface Servers {
  appUrl: string
  sandboxUrl: string
  /** The app's local state directory (D1 under it), for post-mortem queries. */
  appState: string
  /** The last lines the app and the sandbox printed, to explain a failure. */
  logs: () => string
  stop: () => Promise<void>
}

/** A port the OS says is free right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() =>
        typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))
      )
    })
  })
}

async function waitFor(url: string, ms: number, child: ChildProcess, log: () => string) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log()}`)
    try {
      const res = await fetch(url)
      if (res.status < 500) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`timed out waiting for ${url}:\n${log()}`)
}

function start(args: string[]) {
  let out = ''
  const child = spawn(wrangler, args, {
    cwd: root,
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return { child, log: () => out }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve()
  return new Promise((resolve) => {
    const done = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {}
      resolve()
    }, 5000)
    child.once('exit', () => {
      clearTimeout(done)
      resolve()
    })
    try {
      process.kill(-child.pid!, 'SIGTERM')
    } catch {
      clearTimeout(done)
      resolve()
    }
  })
}

/** Starts both servers and waits until they answer. */
export async function startServers(): Promise<Servers> {
  const dir = mkdtempSync(join(tmpdir(), 'usx-browser-'))
  const [appPort, sbxPort, insp1, insp2] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  const appUrl = `http://localhost:${appPort}`
  const sandboxUrl = `http://localhost:${sbxPort}`
  const envFile = join(dir, 'app.env')
  writeFileSync(
    envFile,
    [
      `ENCRYPTION_KEY=${randomBytes(32).toString('base64')}`,
      'RETAILCRM_MODULE_SECRET=dev-partner-secret',
      'RETAILCRM_MODULE_CODE=unisender-segments',
      `PUBLIC_URL=${appUrl}`,
      `UNISENDER_API_URL=${sandboxUrl}/unisender/ru/api`,
      'APP_ENV=development',
      'ALLOW_INSECURE_LOCALHOST=1',
      '',
    ].join('\n')
  )
  const appState = join(dir, 'app-state')
  const build = (args: string[], out: string) => {
    const r = spawnSync(wrangler, ['deploy', '--dry-run', ...args, '--outdir', out], {
      cwd: root,
      env: childEnv,
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`bundling failed:\n${r.stdout}\n${r.stderr}`)
    return join(out, 'index.js')
  }
  const appScript = build([], join(dir, 'build-app'))
  const sandboxScript = build(['-c', 'wrangler.sandbox.toml'], join(dir, 'build-sandbox'))
  const migrate = spawnSync(
    wrangler,
    ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', appState],
    {
      cwd: root,
      env: childEnv,
      encoding: 'utf8',
    }
  )
  if (migrate.status !== 0)
    throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`)
  const sandbox = start([
    'dev',
    sandboxScript,
    '--no-bundle',
    '-c',
    'wrangler.sandbox.toml',
    '--port',
    String(sbxPort),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    join(dir, 'sandbox-state'),
    '--inspector-port',
    String(insp1),
    '--var',
    `MODULE_URL:${appUrl}`,
    '--var',
    'MODULE_SECRET:dev-partner-secret',
  ])
  const app = start([
    'dev',
    appScript,
    '--no-bundle',
    '-c',
    'wrangler.toml',
    '--port',
    String(appPort),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    appState,
    '--inspector-port',
    String(insp2),
    '--env-file',
    envFile,
  ])
  const stop = async () => {
    await Promise.all([stopChild(app.child), stopChild(sandbox.child)])
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(`${sandboxUrl}/unisender/inspect.json`, 120_000, sandbox.child, sandbox.log)
    await waitFor(`${appUrl}/healthz`, 120_000, app.child, app.log)
  } catch (err) {
    await stop()
    throw err
  }
  const logs = () => `--- app ---\n${app.log()}\n--- sandbox ---\n${sandbox.log()}`
  return { appUrl, sandboxUrl, appState, logs, stop }
}
