/**
 * Errors of the external API clients, classified so the queue consumer can decide without knowing
 * either API: 'retryable' (back off and try again), 'auth' (the user must fix a key or reconnect),
 * 'fatal' (retrying will not help; fail the run with the message).
 */
export type ApiService = 'retailcrm' | 'unisender'
export type ApiErrorKind = 'retryable' | 'auth' | 'fatal'

/** An error answer (or no answer) from RetailCRM or Unisender. Never carries an API key. */
export class ApiError extends Error {
  override readonly name = 'ApiError'

  constructor(
    readonly service: ApiService,
    readonly kind: ApiErrorKind,
    /** The service's error code (Unisender `code`), an HTTP status as text, or 'timeout'/'network'. */
    readonly code: string,
    message: string,
    readonly status?: number,
    /** A suggested wait before retrying, when the service implies one. */
    readonly retryAfterSeconds?: number
  ) {
    super(message)
  }
}

/** True for errors a later attempt may not hit. */
export function isRetryable(err: unknown): err is ApiError {
  return err instanceof ApiError && err.kind === 'retryable'
}
