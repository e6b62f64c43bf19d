/**
 * Reads API parameters the way the real (PHP) service does: a form-encoded POST body or a GET query,
 * parsed with PHP `parse_str` semantics (`field_names[0]`, `data[0][1]`, `field_names[]`). Mixing
 * parameters in the query and in the body is the documented error, so it is refused here.
 */
import { invalidArg, UniError } from './errors'

export type PhpValue = string | PhpArray
export type PhpArray = { [key: string]: PhpValue }

/** Splits `a[b][]` into ['a', 'b', '']; a key without brackets is one part. */
function keyPath(raw: string): string[] {
  const open = raw.indexOf('[')
  if (open <= 0) return [raw]
  const parts = [raw.slice(0, open)]
  let rest = raw.slice(open)
  while (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close < 0) break
    parts.push(rest.slice(1, close))
    rest = rest.slice(close + 1)
  }
  return parts
}

function nextIndex(node: PhpArray): string {
  let max = -1
  for (const k of Object.keys(node)) if (/^\d+$/.test(k)) max = Math.max(max, Number(k))
  return String(max + 1)
}

/** PHP parse_str over ordered pairs: later scalars overwrite, `[]` appends. */
export function parsePhpPairs(pairs: Iterable<[string, string]>): PhpArray {
  const root: PhpArray = Object.create(null)
  for (const [rawKey, value] of pairs) {
    const path = keyPath(rawKey)
    let node = root
    for (let i = 0; i < path.length; i++) {
      const part = path[i] === '' && i > 0 ? nextIndex(node) : path[i]!
      if (i === path.length - 1) {
        node[part] = value
      } else {
        const child = node[part]
        if (typeof child !== 'object') node[part] = Object.create(null) as PhpArray
        node = node[part] as PhpArray
      }
    }
  }
  return root
}

/** Query keys that may accompany a POST body (the official wrapper puts `format` in the URL). */
const QUERY_KEYS_WITH_BODY = new Set(['format'])

/** Reads the parameters of one call, refusing a GET/POST mix and non-UTF-8 input. */
export async function readParams(req: Request): Promise<PhpArray> {
  const url = new URL(req.url)
  const queryPairs = [...url.searchParams]
  const bodyPairs: [string, string][] = []
  if (req.method === 'POST') {
    const type = (req.headers.get('content-type') ?? '').toLowerCase()
    const charset = /charset=([^;]+)/.exec(type)?.[1]?.trim().replace(/"/g, '')
    if (charset && charset !== 'utf-8' && charset !== 'utf8') {
      throw invalidArg('All parameters must be in UTF-8')
    }
    if (type.startsWith('application/x-www-form-urlencoded')) {
      bodyPairs.push(...new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer())))
    } else if (type.startsWith('multipart/form-data')) {
      for (const [k, v] of await req.formData()) if (typeof v === 'string') bodyPairs.push([k, v])
    }
    // Any other body (e.g. JSON) is invisible to PHP's $_POST, so it carries no parameters.
  }
  if (bodyPairs.length > 0 && queryPairs.some(([k]) => !QUERY_KEYS_WITH_BODY.has(k))) {
    // The documented message for "simultaneous use of the GET and POST methods". Its code is
    // UNCONFIRMED (the errors page gives none): 'unspecified'.
    throw new UniError('unspecified', 'Call to a member function getMessage() on boolean')
  }
  for (const [, v] of [...queryPairs, ...bodyPairs]) {
    // URLSearchParams decodes percent-escapes as UTF-8 and turns invalid bytes into U+FFFD.
    if (v.includes('\uFFFD')) throw invalidArg('All parameters must be in UTF-8')
  }
  return parsePhpPairs([...queryPairs, ...bodyPairs])
}

/** A scalar parameter, or undefined when absent. An array where a scalar is expected is an error. */
export function str(params: PhpArray, name: string): string | undefined {
  const v = params[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw invalidArg(`Parameter "${name}" must be a string`)
  return v
}

/** A required non-empty scalar parameter. */
export function requiredStr(params: PhpArray, name: string): string {
  const v = str(params, name)
  if (v === undefined || v.trim() === '') throw invalidArg(`Parameter "${name}" is required`)
  return v
}

/** An indexed array parameter (`x[0]`, `x[1]` … or `x[]`), indices 0..n-1 without gaps. */
export function indexedArray(params: PhpArray | PhpValue | undefined, name: string): PhpValue[] {
  if (params === undefined || typeof params === 'string') {
    throw invalidArg(`Parameter "${name}" must be an array`)
  }
  const keys = Object.keys(params)
  const out: PhpValue[] = []
  for (let i = 0; i < keys.length; i++) {
    const v = params[String(i)]
    if (v === undefined)
      throw invalidArg(`Parameter "${name}" must be indexed 0..${keys.length - 1}`)
    out.push(v)
  }
  return out
}

/** A 0/1 flag (absent = 0). */
export function flag(params: PhpArray, name: string): boolean {
  const v = str(params, name)
  if (v === undefined || v === '' || v === '0') return false
  if (v === '1') return true
  throw invalidArg(`Parameter "${name}" must be 0 or 1`)
}

/** A comma-separated list of positive integer ids (`134,135`); empty gives []. */
export function idList(value: string | undefined, name: string): number[] {
  if (value === undefined || value.trim() === '') return []
  return value.split(',').map((token) => {
    const t = token.trim()
    if (!/^\d{1,15}$/.test(t) || Number(t) === 0) {
      throw invalidArg(`Invalid list id "${token}" in "${name}"`)
    }
    return Number(t)
  })
}
