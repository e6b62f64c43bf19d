/** The one way a caught value becomes text for a log line or a message to a person. */

/** The message of an Error, else a fixed placeholder (a thrown non-Error is never printed). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : 'unknown error'
}
