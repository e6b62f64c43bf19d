/**
 * The `export_wait` and `read_list` phases: waits for the list export, then reads the file in byte
 * slices (one per step) and stages list members by partition. An export that does not finish or a
 * file that cannot be read is retried once from scratch; after that the run goes on with additions
 * only (nothing is removed on the basis of a list we could not read). So does a file whose download
 * keeps failing (5xx, timeouts) for DOWNLOAD_GIVE_UP_MS, instead of holding the run for every queue
 * retry until the dead-letter queue fails it.
 */
import { ApiError } from '../clients/errors'
import { log } from '../lib/log'
import { memoryPeak } from '../lib/metering'
import type { StepContext } from './context'
import { completeRecordsEnd, detectHeader, listSide, parseCsv, toListRows } from './export-csv'
import { listLine } from './field-lines'
import { normaliseEmail } from './normalize'
import { PartitionBuffer } from './partition'
import type { StepResult } from './result'
import { SIDES } from './state'
import { startExport } from './step-start'

/** Polls before an export counts as not finishing (with the delays below: about an hour). */
export const MAX_POLLS = 130
/** Exports started per run before giving up on reading the list. */
export const MAX_EXPORTS = 2

export const INCOMPLETE_LIST =
  'The Unisender list could not be read completely, so removals were skipped in this run.'

/**
 * How long downloads of the export file may keep failing (5xx, timeouts, network errors) before
 * the run gives up on the list, counted from the first failed download of the streak (a slice read
 * in between starts a new one). With the queue's backoff (5 s, 10 s, 20 s … after each failure)
 * the 8th attempt, about 11 minutes after the first, gives up: well before the dead-letter queue
 * (10 retries, about 50 minutes), and long enough for a brief outage of the file server to pass.
 */
export const DOWNLOAD_GIVE_UP_MS = 10 * 60_000

export const DOWNLOAD_FAILED = `The Unisender list export file could not be downloaded (the download kept failing for ${DOWNLOAD_GIVE_UP_MS / 60_000} minutes), so the list could not be read and removals were skipped in this run.`

/** Drops the list read so far (staged rows and file position). */
function dropListRead(ctx: StepContext): void {
  ctx.extra.push(
    ctx.deps.d1
      .prepare('DELETE FROM run_chunks WHERE run_id = ? AND side IN (?, ?, ?)')
      .bind(ctx.run.id, SIDES.list, SIDES.listUnsubscribed, SIDES.listLeft)
  )
  ctx.cursor.fileUrl = null
  ctx.cursor.fileOffset = 0
  ctx.cursor.header = null
  ctx.cursor.downloadFailingSince = null
}

/** Goes on without the list: additions only, with `why` shown on the run. */
function giveUpOnList(ctx: StepContext, why: string): StepResult {
  ctx.cursor.incomplete = why
  ctx.cursor.listExists = false
  return { kind: 'next', phase: 'diff' }
}

/** Drops the list read so far and either restarts the export or gives up on the list. */
async function restartOrGiveUp(ctx: StepContext): Promise<StepResult> {
  dropListRead(ctx)
  if (ctx.cursor.exportAttempts < MAX_EXPORTS && ctx.cursor.listId !== null) {
    await startExport(ctx, ctx.cursor.listId)
    return { kind: 'next', phase: 'export_wait', delaySeconds: 5 }
  }
  return giveUpOnList(ctx, INCOMPLETE_LIST)
}

/**
 * A download failed in a way the queue would retry (5xx, timeout): rethrows it so the step is
 * retried with backoff (the engine commits the cursor first, so the start of the streak is kept),
 * unless downloads have been failing for DOWNLOAD_GIVE_UP_MS; then the list is given up on.
 */
function downloadFailed(ctx: StepContext, err: ApiError): StepResult {
  const c = ctx.cursor
  const now = ctx.deps.now()
  c.downloadFailingSince ??= now
  if (now - c.downloadFailingSince < DOWNLOAD_GIVE_UP_MS) throw err
  log.warn('export_download_gave_up', {
    tenant: ctx.run.tenantId,
    sync: ctx.run.syncId,
    run: ctx.run.id,
    phase: 'read_list',
    error: err.message,
  })
  dropListRead(ctx)
  return giveUpOnList(ctx, DOWNLOAD_FAILED)
}

/** One poll of the export task. */
export async function stepExportWait(ctx: StepContext): Promise<StepResult> {
  const c = ctx.cursor
  if (!c.listExists || c.listId === null) return { kind: 'next', phase: 'diff' }
  if (!c.taskUuid) await startExport(ctx, c.listId)
  const uni = await ctx.uni()
  const task = await uni.getTaskResult(c.taskUuid!)
  if (task.status === 'completed' && task.file_to_download) {
    // The file URL comes from Unisender; never follow anything but http(s).
    if (!/^https?:\/\//i.test(task.file_to_download)) return restartOrGiveUp(ctx)
    c.fileUrl = task.file_to_download
    c.fileOffset = 0
    c.downloadFailingSince = null
    return { kind: 'next', phase: 'read_list' }
  }
  c.polls++
  if (!['new', 'processing', 'in_progress', 'pending', 'queued'].includes(task.status)) {
    return restartOrGiveUp(ctx) // failed/unknown status (its name is UNCONFIRMED)
  }
  if (c.polls >= ctx.deps.exportMaxPolls) return restartOrGiveUp(ctx)
  // 5 s, 10 s, … 30 s apart: well within the export limit (20 calls/min), and a large list that
  // needs a few minutes is not kept waiting by a long exponential gap.
  return { kind: 'next', delaySeconds: Math.min(30, 5 * c.polls) }
}

/** Reads [offset, offset + slice) of the file, honouring servers that ignore Range. */
async function readSlice(
  ctx: StepContext,
  url: string,
  offset: number,
  slice: number
): Promise<{ bytes: Uint8Array; eof: boolean }> {
  const uni = await ctx.uni()
  const res = await uni.downloadFile(url, { start: offset, end: offset + slice - 1 })
  if (res.status === 206) {
    const bytes = new Uint8Array(await res.arrayBuffer())
    const total = Number(res.headers.get('content-range')?.split('/')[1])
    const eof = Number.isFinite(total) ? offset + bytes.length >= total : bytes.length < slice
    return { bytes, eof }
  }
  // 200: the whole file. Skip to the offset and take one slice, never holding the whole body.
  const reader = res.body!.getReader()
  const out = new Uint8Array(slice)
  let pos = 0
  let filled = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { bytes: out.subarray(0, filled), eof: true }
    const start = Math.max(0, offset - pos)
    pos += value.length
    if (start >= value.length) continue
    const take = Math.min(value.length - start, slice - filled)
    out.set(value.subarray(start, start + take), filled)
    filled += take
    if (filled >= slice) {
      await reader.cancel()
      return { bytes: out, eof: false }
    }
  }
}

/** One slice of the export file. */
export async function stepReadList(ctx: StepContext): Promise<StepResult> {
  const c = ctx.cursor
  let got: { bytes: Uint8Array; eof: boolean }
  try {
    got = await readSlice(ctx, c.fileUrl!, c.fileOffset, ctx.deps.sliceBytes)
  } catch (err) {
    // Past the end of a file whose size we did not know: the file is read.
    if (err instanceof ApiError && err.status === 416 && c.fileOffset > 0) {
      return { kind: 'next', phase: 'diff' }
    }
    // An expired or missing file (4xx) will not come back: export again.
    if (err instanceof ApiError && err.kind === 'fatal') return restartOrGiveUp(ctx)
    // A server error or timeout may pass: retried, for a bounded time.
    if (err instanceof ApiError && err.kind === 'retryable') return downloadFailed(ctx, err)
    throw err
  }
  c.downloadFailingSince = null
  let end = completeRecordsEnd(got.bytes, got.eof)
  if (end === 0) end = got.bytes.length // a record longer than a slice: take it as is
  let text = new TextDecoder().decode(got.bytes.subarray(0, end))
  if (c.fileOffset === 0) {
    text = text.replace(/^\uFEFF/, '')
    const firstLine = text.slice(0, text.search(/\r?\n|$/))
    const names = c.fields.map((f) => f.target)
    const { header, isHeader } = detectHeader(firstLine, names)
    c.header = header
    if (isHeader) text = text.slice(firstLine.length).replace(/^\r?\n/, '')
  }
  const h = c.header!
  const buf = new PartitionBuffer()
  const rows = toListRows(parseCsv(text, h.delimiter), h)
  for (const row of rows) {
    const email = normaliseEmail(row.email)
    if (email === '') continue
    const side = listSide(row, c.listId!)
    // Members the run may update carry the hashes of their mapped values (field-lines.ts).
    buf.add(side, email, side === 'L' ? listLine(email, row.values, c.fields) : email)
  }
  memoryPeak('read_list', got, text, rows, buf) // `npm run bench` only: the step's fullest point
  for (const g of buf.groups()) ctx.stage(g.side, g.partition, g.emails)
  c.fileOffset += end
  if (got.eof) return { kind: 'next', phase: 'diff' }
  return { kind: 'next' }
}
