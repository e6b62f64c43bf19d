/**
 * The module's one way to write a log line: one JSON object per line, so Workers Logs can filter by
 * tenant, sync, run, phase or event. Fields are an allow-list of ids, names and numbers; secrets
 * never reach a log because there is no field for them (no key, email or clientId — `error` holds
 * an error's message, which the API clients build without the key). Strings are cut to 300 chars.
 */

/** What a line may carry besides its event name. */
export interface LogFields {
  tenant?: number | null
  sync?: number | null
  run?: number | null
  /** The run phase, or the step of the module the line is about (e.g. 'poll', 'register'). */
  phase?: string | null
  /** Milliseconds the logged work took. */
  duration?: number | null
  /** The message of the error that caused this line (errorText), never a whole request. */
  error?: string | null
  /** A short, fixed detail (a reason code, a count, an outcome). */
  detail?: string | number | boolean | null
}

type Level = 'debug' | 'info' | 'warn' | 'error'

/** The JSON line of one event (exported for the tests). */
export function logLine(level: Level, event: string, f: LogFields = {}): string {
  const cut = (v: unknown) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 299)}…` : v)
  const o: Record<string, unknown> = {
    level,
    event,
    tenant: f.tenant ?? null,
    sync: f.sync ?? null,
    run: f.run ?? null,
    phase: f.phase ?? null,
    duration: f.duration ?? null,
  }
  if (f.error != null) o.error = cut(f.error)
  if (f.detail != null) o.detail = cut(f.detail)
  return JSON.stringify(o)
}

function write(level: Level, event: string, f?: LogFields): void {
  const line = logLine(level, event, f)
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}

/** The logger: log.info('run_done', { tenant, sync, run, phase, duration }). */
export const log = {
  info: (event: string, f?: LogFields) => write('info', event, f),
  warn: (event: string, f?: LogFields) => write('warn', event, f),
  error: (event: string, f?: LogFields) => write('error', event, f),
}
