/**
 * The `export_wait` and `read_list` phases: waits for the list export, then reads the file in byte
 * slices (one per step) and stages list members by partition. An export that does not finish or a
 * file that cannot be read is retried once from scratch; after that the run goes on with additions
 * only (nothing is removed on the basis of a list we could not read).
 */
import { ApiError } from '../clients/errors'
import { memoryPeak } from '../lib/metering'
import type { StepContext } from './context'
import { completeRecordsEnd, detectHeader, listSide, parseCsv, toListRows } from './export-csv'
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

/** Drops the list read so far and either restarts the export or gives up on the list. */
async function restartOrGiveUp(ctx: StepContext): Promise<StepResult> {
  ctx.extra.push(
    ctx.deps.d1
      .prepare('DELETE FROM run_chunks WHERE run_id = ? AND side IN (?, ?, ?)')
      .bind(ctx.run.id, SIDES.list, SIDES.listUnsubscribed, SIDES.listLeft)
  )
  ctx.cursor.fileUrl = null
  ctx.cursor.fileOffset = 0
  ctx.cursor.header = null
  if (ctx.cursor.exportAttempts < MAX_EXPORTS && ctx.cursor.listId !== null) {
    await startExport(ctx, ctx.cursor.listId)
    return { kind: 'next', phase: 'export_wait', delaySeconds: 5 }
  }
  ctx.cursor.incomplete = INCOMPLETE_LIST
  ctx.cursor.listExists = false
  return { kind: 'next', phase: 'diff' }
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
    throw err
  }
  let end = completeRecordsEnd(got.bytes, got.eof)
  if (end === 0) end = got.bytes.length // a record longer than a slice: take it as is
  let text = new TextDecoder().decode(got.bytes.subarray(0, end))
  if (c.fileOffset === 0) {
    text = text.replace(/^\uFEFF/, '')
    const firstLine = text.slice(0, text.search(/\r?\n|$/))
    const { header, isHeader } = detectHeader(firstLine)
    c.header = header
    if (isHeader) text = text.slice(firstLine.length).replace(/^\r?\n/, '')
  }
  const h = c.header!
  const buf = new PartitionBuffer()
  const rows = toListRows(parseCsv(text, h.delimiter), h)
  for (const row of rows) {
    const email = normaliseEmail(row.email)
    if (email === '') continue
    buf.add(listSide(row, c.listId!), email)
  }
  memoryPeak('read_list', got, text, rows, buf) // `npm run bench` only: the step's fullest point
  for (const g of buf.groups()) ctx.stage(g.side, g.partition, g.emails)
  c.fileOffset += end
  if (got.eof) return { kind: 'next', phase: 'diff' }
  return { kind: 'next' }
}
