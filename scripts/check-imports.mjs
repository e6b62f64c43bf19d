#!/usr/bin/env node
/**
 * `npm run lint` (and so CI) runs this: the module's folders must keep the layout the README's
 * Architecture section describes, or a green build would slowly grow back the tangles it removed.
 * Checked on relative imports of src/ (the sandbox, a separate Worker, is left out):
 * - no import cycle between folders (a root file such as src/env.ts counts as its own folder);
 * - src/sync imports nothing from src/schedule;
 * - outside src/sync and src/schedule, code imports them only through their index.ts.
 * Prints every offending import and exits 1, or prints one line and exits 0.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')
/** Folders whose internals are private: others import their index.ts only. */
const DOORS = ['sync', 'schedule']

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (path !== join(src, 'sandbox')) yield* sourceFiles(path)
    } else if (/\.tsx?$/.test(name)) yield path
  }
}

/** The folder a path belongs to: src/<folder>/…, or the root file's own name. */
function folderOf(path) {
  const parts = relative(src, path).split('/')
  if (parts.length > 1) return parts[0]
  if (existsSync(path) && statSync(path).isDirectory()) return parts[0]
  return `src/${parts[0].replace(/\.tsx?$/, '')}`
}

const problems = []
const graph = new Map()
for (const file of sourceFiles(src)) {
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/(?:from|import)\s+['"](\.{1,2}\/[^'"]*)['"]/g)) {
    const target = normalize(join(dirname(file), m[1]))
    if (!target.startsWith(src)) continue
    const from = folderOf(file)
    const to = folderOf(target)
    if (from === to) continue
    if (!graph.has(from)) graph.set(from, new Set())
    graph.get(from).add(to)
    const where = `${relative(root, file)} imports ${m[1]}`
    if (from === 'sync' && to === 'schedule')
      problems.push(`${where}: src/sync must not use src/schedule`)
    if (DOORS.includes(to) && relative(join(src, to), target) !== '')
      problems.push(`${where}: import src/${to} through its index.ts`)
  }
}

// Cycles between folders: depth-first search for a back edge.
const state = new Map()
function visit(node, path) {
  state.set(node, 'open')
  for (const next of graph.get(node) ?? []) {
    if (state.get(next) === 'open') {
      const cycle = [...path.slice(path.indexOf(next)), next]
      problems.push(`import cycle between folders: ${cycle.join(' → ')}`)
    } else if (!state.has(next)) visit(next, [...path, next])
  }
  state.set(node, 'done')
}
for (const node of graph.keys()) if (!state.has(node)) visit(node, [node])

if (problems.length > 0) {
  for (const p of problems) console.error(p)
  process.exit(1)
}
const edges = [...graph.values()].reduce((n, s) => n + s.size, 0)
console.log(`imports: ${graph.size} folders, ${edges} folder-to-folder edges, no cycle, doors kept`)
