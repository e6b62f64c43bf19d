/** Small helpers the UI sub-apps share: ids from paths, form bodies as strings, flash lines. */
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

/** A positive integer path parameter; anything else is a 404, like an id of another tenant. */
export function idParam<E extends AppEnv>(c: Context<E>, name = 'id'): number {
  const raw = c.req.param(name) ?? ''
  const id = /^\d{1,12}$/.test(raw) ? Number(raw) : 0
  if (!id) throw new AppError('not_found', 'Not found')
  return id
}

/** The submitted form as trimmed strings (files and repeated fields are ignored). */
export async function formStrings<E extends AppEnv>(
  c: Context<E>
): Promise<Record<string, string>> {
  const body = await c.req.parseBody()
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v.trim()
  return out
}

/** 404 for a row the tenant does not have. */
export function notFound(): never {
  throw new AppError('not_found', 'Not found')
}
