#!/usr/bin/env node
/**
 * `npm start`: runs the module locally on embedded defaults. Creates .dev.vars on first run (with a
 * fresh ENCRYPTION_KEY), applies D1 migrations to the local database, starts the app (local D1 and
 * queues) and, when present, the sandbox emulators, and fires the cron handler every minute the way
 * Cloudflare would. Stop with Ctrl+C. APP_PORT / SANDBOX_PORT (default 8787 / 8788) move both, and
 * the URLs that join them follow (see localUrlVars).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'
import { projectNodeProblem } from './check-node.mjs'

const nodeProblem = projectNodeProblem()
if (nodeProblem) {
  console.error(nodeProblem)
  process.exit(1)
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const APP_PORT = Number(process.env.APP_PORT ?? 8787)
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 8788)
const bin = join(root, 'node_modules', '.bin')
const wrangler = join(bin, 'wrangler')
const appUrl = `http://localhost:${APP_PORT}`
const sandboxUrl = `http://localhost:${SANDBOX_PORT}`
// Child processes use the project's own Node 22 (the `node` devDependency), whatever node started us.
// Offline-quiet: no usage metrics, and no download of Cloudflare's Request.cf sample (the module never
// reads request.cf; offline the download fails with a stack trace). Wrangler's update check has no
// switch in wrangler 4; offline it gives up silently after at most 3 s.
const env = {
  ...process.env,
  PATH: `${bin}:${process.env.PATH ?? ''}`,
  WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? 'false',
}

/** Writes .dev.vars from .dev.vars.example once, with a random encryption key. */
function ensureDevVars() {
  const path = join(root, '.dev.vars')
  if (existsSync(path)) return
  const example = readFileSync(join(root, '.dev.vars.example'), 'utf8')
  const vars = example
    .replace(/^ENCRYPTION_KEY=.*$/m, `ENCRYPTION_KEY=${randomBytes(32).toString('base64')}`)
    .replaceAll('http://localhost:8787', appUrl)
    .replaceAll('http://localhost:8788', sandboxUrl)
  writeFileSync(path, vars)
  console.log('Created .dev.vars with a fresh ENCRYPTION_KEY (development only).')
}

/**
 * --var flags (they win over .dev.vars) that keep the two Workers pointing at each other on this
 * run's ports, even when .dev.vars was written by an earlier start with other ports. A PUBLIC_URL or
 * UNISENDER_API_URL in .dev.vars that is not a localhost URL (a tunnel, a real service) was set by
 * hand and is kept. The sandbox's MODULE_SECRET follows the module's RETAILCRM_MODULE_SECRET.
 */
function localUrlVars() {
  const devVars = parseEnv(readFileSync(join(root, '.dev.vars'), 'utf8'))
  const isLocal = (v) =>
    v === undefined || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(v)
  const app = []
  if (isLocal(devVars.PUBLIC_URL)) app.push(`PUBLIC_URL:${appUrl}`)
  if (isLocal(devVars.UNISENDER_API_URL))
    app.push(`UNISENDER_API_URL:${sandboxUrl}/unisender/ru/api`)
  const sandbox = [`MODULE_URL:${appUrl}`]
  if (devVars.RETAILCRM_MODULE_SECRET)
    sandbox.push(`MODULE_SECRET:${devVars.RETAILCRM_MODULE_SECRET}`)
  const flags = (vars) => vars.flatMap((v) => ['--var', v])
  return { app: flags(app), sandbox: flags(sandbox) }
}

function run(args) {
  const res = spawnSync(wrangler, args, { cwd: root, env, stdio: 'inherit' })
  if (res.status !== 0) process.exit(res.status ?? 1)
}

ensureDevVars()
const vars = localUrlVars()
run(['d1', 'migrations', 'apply', 'DB', '--local'])

const children = []
function start(args, name) {
  const child = spawn(wrangler, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] })
  child.on('exit', (code) => {
    console.log(`${name} exited with ${code}`)
    for (const c of children) c.kill('SIGTERM')
    process.exit(code ?? 0)
  })
  children.push(child)
}

const sandboxConfig = join(root, 'wrangler.sandbox.toml')
const hasSandbox = existsSync(sandboxConfig)
if (hasSandbox) {
  // No migrations for SANDBOX_DB: the emulators create their tables on first use.
  start(
    [
      'dev',
      '-c',
      sandboxConfig,
      '--port',
      String(SANDBOX_PORT),
      '--persist-to',
      '.wrangler/sandbox-state',
      '--inspector-port',
      String(SANDBOX_PORT + 20000),
      ...vars.sandbox,
    ],
    'sandbox'
  )
}
// Inspector ports derive from the HTTP ports so two wranglers (or another project's) never collide.
start(
  [
    'dev',
    '--port',
    String(APP_PORT),
    '--test-scheduled',
    '--inspector-port',
    String(APP_PORT + 20000),
    ...vars.app,
  ],
  'app'
)

/** Fires the app's cron handler every minute, as the Cron Trigger does in production. */
setInterval(() => {
  fetch(`${appUrl}/__scheduled?cron=${encodeURIComponent('* * * * *')}`).catch(() => {})
}, 60_000)

setTimeout(() => {
  console.log('\n────────────────────────────────────────────────────────────')
  if (hasSandbox) console.log(`  Start here (sandbox marketplace): ${sandboxUrl}/`)
  console.log(`  Module:                           ${appUrl}/`)
  console.log(`  Trigger the cron by hand:         curl '${appUrl}/__scheduled?cron=*+*+*+*+*'`)
  console.log('  Stop:                             Ctrl+C')
  console.log('────────────────────────────────────────────────────────────\n')
}, 4000)

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill('SIGTERM')
    process.exit(0)
  })
}
