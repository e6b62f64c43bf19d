/** A warning/error/info box with a heading; role=alert for errors so screen readers announce it. */
import type { Child } from 'hono/jsx'

/** One highlighted message block. */
export function Alert(p: {
  kind: 'error' | 'warning' | 'info'
  title?: string
  children?: Child
  id?: string
}) {
  return (
    <section class={`alert alert-${p.kind}`} role={p.kind === 'error' ? 'alert' : 'note'} id={p.id}>
      {p.title ? <h2 class="alert-title">{p.title}</h2> : null}
      <div>{p.children}</div>
    </section>
  )
}
