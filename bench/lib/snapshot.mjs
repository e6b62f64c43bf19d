/**
 * A frozen copy of the code for one benchmark invocation. `wrangler dev` rebuilds and restarts a
 * Worker whenever a source file changes; other people edit the same checkout, so the benchmark runs
 * from a snapshot (node_modules linked) that nobody touches, and records which commit it was.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

const PATHS = [
  'src',
  'migrations',
  'public',
  'wrangler.toml',
  'wrangler.sandbox.toml',
  'package.json',
  'tsconfig.json',
]

/** Copies the Worker sources to `dir`; returns the commit and how many paths were uncommitted. */
export function snapshotCode(root, dir) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const p of PATHS) {
    if (existsSync(join(root, p))) cpSync(join(root, p), join(dir, p), { recursive: true })
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()
    } catch {
      return ''
    }
  }
  const dirty = git(
    'status',
    '--porcelain',
    '--',
    'src',
    'migrations',
    'wrangler.toml',
    'wrangler.sandbox.toml'
  )
  return {
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    uncommittedPaths: dirty ? dirty.split('\n').length : 0,
  }
}
