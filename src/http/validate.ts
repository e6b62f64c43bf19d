/**
 * zod at the edge: parses a request's form (or query) and turns every problem into one AppError
 * ('bad_request') whose message names the fields in words a person understands, with per-field
 * details for forms. Routes then work with typed, trusted values only.
 */
import type { Context } from 'hono'
import { z } from 'zod'
import { AppError } from '../errors'

/** Throws a readable AppError for a failed zod parse. */
export function invalid(error: z.ZodError, prefix = 'Некорректный запрос'): never {
  const fields: Record<string, string> = {}
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_'
    fields[key] ??= issue.message
  }
  const text = Object.entries(fields)
    .map(([k, v]) => (k === '_' ? v : `${k}: ${v}`))
    .join('; ')
  throw new AppError('bad_request', `${prefix}: ${text}`, { fields })
}

/** Parses the url-encoded or multipart form of a request with `schema`. */
export async function parseForm<S extends z.ZodType>(
  c: Context,
  schema: S,
  prefix?: string
): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? ''
  const form =
    type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')
      ? await c.req.parseBody()
      : {}
  const parsed = schema.safeParse(form)
  if (!parsed.success) invalid(parsed.error, prefix)
  return parsed.data
}

/** A zod string field that is JSON, parsed and checked with `inner`. */
export function jsonField<S extends z.ZodType>(inner: S, what: string) {
  return z
    .string({ error: (i) => (i.input === undefined ? 'поле отсутствует' : 'ожидается строка') })
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: `ожидается JSON: ${what}` })
        return z.NEVER
      }
    })
    .pipe(inner)
}
