#!/usr/bin/env node
/**
 * Part of .ci/run: shows that the module deploys. Bundles it the way `wrangler deploy` would
 * (`wrangler deploy --dry-run --outdir <tmp>`: offline, no Cloudflare account, no login), prints the
 * size of the upload, raw and gzip, measured as wrangler measures it (all modules together), and
 * fails when the gzip size is above the project's budget of 1 MiB: far below Cloudflare's per-plan
 * Worker size limits, so growth is noticed long before a deploy is refused (and a smaller Worker
 * starts faster).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const LIMIT_GZIP_BYTES = 1024 * 1024
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'node_modules', '.bin')
const outdir = mkdtempSync(join(tmpdir(), 'usx-bundle-'))

/** Bundles into `outdir`, prints the sizes; returns the exit code. */
function check() {
  const res = spawnSync(
    join(bin, 'wrangler'),
    ['deploy', '--dry-run', '--outdir', outdir, ...process.argv.slice(2)],
    {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        WRANGLER_SEND_METRICS: 'false',
      },
    }
  )
  if (res.status !== 0) {
    process.stdout.write(res.stdout ?? '')
    process.stderr.write(res.stderr ?? '')
    console.error(`wrangler deploy --dry-run failed (exit ${res.status ?? res.signal}).`)
    return 1
  }
  // The modules wrangler would upload: everything it wrote except source maps and its README.
  const modules = readdirSync(outdir)
    .filter((f) => !f.endsWith('.map') && f !== 'README.md')
    .sort()
    .map((f) => readFileSync(join(outdir, f)))
  const all = Buffer.concat(modules)
  const gzip = gzipSync(all).byteLength
  const kib = (n) => `${(n / 1024).toFixed(2)} KiB`
  console.log(
    `Worker bundle: ${kib(all.byteLength)} raw, ${kib(gzip)} gzip (${modules.length} module(s); budget ${kib(LIMIT_GZIP_BYTES)} gzip)`
  )
  if (gzip > LIMIT_GZIP_BYTES) {
    console.error(
      `The Worker bundle is ${kib(gzip)} gzip, above the budget of ${kib(LIMIT_GZIP_BYTES)}: see what grew with \`npx wrangler deploy --dry-run --outdir dist --metafile\`.`
    )
    return 1
  }
  return 0
}

let code = 1
try {
  code = check()
} finally {
  rmSync(outdir, { recursive: true, force: true })
}
process.exit(code)
