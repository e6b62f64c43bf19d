/**
 * The one error type routes throw. `onError` in src/app.ts renders it as a page or JSON, so a user
 * never sees a stack trace; unknown errors are logged and masked as 'internal'.
 */
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  bad_environment: 500,
  internal: 500,
  upstream: 502,
} as const satisfies Record<string, ContentfulStatusCode>

export type ErrorCode = keyof typeof ERROR_STATUS

/** An error with a code, a message a person can act on, and optional per-field details. */
export class AppError extends HTTPException {
  readonly code: ErrorCode
  readonly fields?: Record<string, string>

  constructor(
    code: ErrorCode,
    message: string,
    opts: { fields?: Record<string, string>; cause?: unknown } = {}
  ) {
    super(ERROR_STATUS[code], { message, cause: opts.cause })
    this.code = code
    this.fields = opts.fields
  }
}
