#!/usr/bin/env node
/**
 * The first step of `npm test` (and of `npm start` and .ci/run): stops with one sentence when the
 * project's own Node is missing. The project brings Node 22 through the `node` devDependency, whose
 * install step puts it at node_modules/.bin/node; an install that skips install scripts
 * (`npm ci --ignore-scripts`, `ignore-scripts=true` in an .npmrc) leaves it out, and then vitest
 * would quietly run on the system's Node while wrangler refuses to start.
 *
 * Written for any Node (only node: built-ins, nothing newer than Node 18), so that it can explain
 * itself when the system's Node 20 is the one that runs it.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
/** Where the `node` devDependency puts the project's Node. */
export const projectNode = join(root, 'node_modules', '.bin', 'node')
const MIN = [22, 12]

function atLeastMin(version) {
  const m = /^v(\d+)\.(\d+)\./.exec(version ?? '')
  if (!m) return false
  const [major, minor] = [Number(m[1]), Number(m[2])]
  return major > MIN[0] || (major === MIN[0] && minor >= MIN[1])
}

/**
 * The one sentence that says what is wrong with the project's Node, or null when it is fine.
 * `self`: also require that this process runs on Node ≥ 22.12 (true where the caller itself goes on
 * to run vitest or wrangler in-process; npm scripts find node_modules/.bin/node first on PATH).
 */
export function projectNodeProblem({ self = false } = {}) {
  if (!existsSync(projectNode)) {
    return (
      "The project's own Node 22 is missing (node_modules/.bin/node was not installed, as happens " +
      'with `npm ci --ignore-scripts`): run `npm ci` without --ignore-scripts.'
    )
  }
  const version = spawnSync(projectNode, ['--version'], { encoding: 'utf8' }).stdout?.trim()
  if (!atLeastMin(version)) {
    return (
      `node_modules/.bin/node is ${version || 'not runnable'}, but the project needs its own ` +
      'Node ≥ 22.12 (the `node` devDependency): run `npm ci` again.'
    )
  }
  if (self && !atLeastMin(process.version)) {
    return (
      `This runs on Node ${process.version} instead of the project's node_modules/.bin/node ` +
      `(${version}): start it through npm (npm test, npm start) or put node_modules/.bin first on PATH.`
    )
  }
  return null
}

function invokedDirectly() {
  try {
    return realpathSync(process.argv[1] ?? '') === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

if (invokedDirectly()) {
  const problem = projectNodeProblem({ self: true })
  if (problem) {
    console.error(problem)
    process.exit(1)
  }
}
