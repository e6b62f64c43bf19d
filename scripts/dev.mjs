#!/usr/bin/env node
/**
 * `npm start`: runs the module locally on embedded defaults. Creates .dev.vars on first run (with a
 * fresh ENCRYPTION_KEY), applies D1 migrations to the local database, starts the app (local D1 and
 * queues) and, when present, the sandbox emulators, and fires the cron handler every minute the way
 * Cloudflare would. Stop with Ctrl+C.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const APP_PORT = Number(process.env.APP_PORT ?? 8787)
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 8788)
const bin = join(root, 'node_modules', '.bin')
const wrangler = join(bin, 'wrangler')
// Child processes use the project's own Node 22 (the `node` devDependency), whatever node started us.
const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }

/** Writes .dev.vars from .dev.vars.example once, with a random encryption key. */
function ensureDevVars() {
  const path = join(root, '.dev.vars')
  if (existsSync(path)) return
  const example = readFileSync(join(root, '.dev.vars.example'), 'utf8')
  const vars = example
    .replace(/^ENCRYPTION_KEY=.*$/m, `ENCRYPTION_KEY=${randomBytes(32).toString('base64')}`)
    .replaceAll('http://localhost:8787', `http://localhost:${APP_PORT}`)
    .replaceAll('http://localhost:8788', `http://localhost:${SANDBOX_PORT}`)
  writeFileSync(path, vars)
  console.log('Created .dev.vars with a fresh ENCRYPTION_KEY (development only).')
}

function run(args) {
  const res = spawnSync(wrangler, args, { cwd: root, env, stdio: 'inherit' })
  if (res.status !== 0) process.exit(res.status ?? 1)
}

ensureDevVars()
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
  ],
  'app'
)

/** Fires the app's cron handler every minute, as the Cron Trigger does in production. */
setInterval(() => {
  fetch(`http://localhost:${APP_PORT}/__scheduled?cron=${encodeURIComponent('* * * * *')}`).catch(
    () => {}
  )
}, 60_000)

setTimeout(() => {
  console.log('\n────────────────────────────────────────────────────────────')
  if (hasSandbox)
    console.log(`  Start here (sandbox marketplace): http://localhost:${SANDBOX_PORT}/`)
  console.log(`  Module:                           http://localhost:${APP_PORT}/`)
  console.log(
    `  Trigger the cron by hand:         curl 'http://localhost:${APP_PORT}/__scheduled?cron=*+*+*+*+*'`
  )
  console.log('────────────────────────────────────────────────────────────\n')
}, 4000)

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill('SIGTERM')
    process.exit(0)
  })
}
