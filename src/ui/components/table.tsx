/**
 * A table's box: scrolls sideways on a narrow screen, reachable by keyboard (a labelled region
 * with tabindex), and says so: app.js shows `data-scroll-hint` above it and a shadow on the side
 * that has more columns when the table is wider than the box.
 */
import type { Child } from 'hono/jsx'
import type { T } from '../../i18n'

export function TableWrap(p: { t: T; label: string; children?: Child }) {
  return (
    <section
      class="table-wrap"
      aria-label={p.label}
      tabindex={0}
      data-scroll-hint={p.t('table.scrollHint')}
    >
      {p.children}
    </section>
  )
}
