/**
 * The Unisender error shape: `{error, code, result: ""}` with HTTP 200, as the real API answers
 * (docs/unisender.md §2; the HTTP status of errors is UNCONFIRMED, we answer 200 as docs/unisender.md §2 decides). Methods throw
 * UniError; the API route renders it.
 */

/** Standard error codes of the real API (docs/unisender.md §2). */
export type UniErrorCode =
  | 'unspecified'
  | 'invalid_api_key'
  | 'access_denied'
  | 'unknown_method'
  | 'invalid_arg'
  | 'not_enough_money'
  | 'retry_later'
  | 'api_call_limit_exceeded_for_api_key'
  | 'api_call_limit_exceeded_for_ip'

/** A business or protocol error of one API call. */
export class UniError extends Error {
  constructor(
    readonly code: UniErrorCode,
    message: string
  ) {
    super(message)
  }
}

/** The JSON body of an error answer. The Selzy example also carries an empty `result`. */
export function errorBody(err: UniError): { error: string; code: string; result: string } {
  return { error: escapeHtml(err.message), code: err.code, result: '' }
}

/** The docs say the `error` message is HTML-encoded. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'))
}

/** Invalid argument helper, the most common error. */
export function invalidArg(message: string): UniError {
  return new UniError('invalid_arg', message)
}
