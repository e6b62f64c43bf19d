#!/usr/bin/env node
/**
 * Part of `npm test`: the browser tests drive Debian's chromium (playwright-core never downloads a
 * browser). On a fresh machine where it is missing, install it from Debian's packages when we can
 * (root with apt-get), otherwise stop with the one command that fixes it.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (existsSync(path)) process.exit(0)

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
if (!isRoot || !hasApt || process.env.CHROMIUM_PATH) {
  console.error(
    `Browser tests need chromium at ${path}. Install it: sudo apt-get install -y chromium`
  )
  console.error('(or point CHROMIUM_PATH at a chromium binary).')
  process.exit(1)
}
console.log('Installing Debian chromium for the browser tests (once)...')
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', 'chromium'],
]) {
  const res = spawnSync('apt-get', args, { stdio: 'inherit', env })
  if (res.status !== 0) process.exit(res.status ?? 1)
}
