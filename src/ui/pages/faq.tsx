/** "Частые вопросы": the situations of the help article, what the user sees and what to do. */
import type { T } from '../../i18n'
import type { FaqEntry } from '../../i18n/faq'

/** The FAQ page: a definition list with anchors, so entries can be linked from warnings. */
export function FaqPage(p: { t: T; entries: FaqEntry[] }) {
  return (
    <>
      <h1>{p.t('nav.faq')}</h1>
      <dl class="faq">
        {p.entries.map((e) => (
          <>
            <dt id={e.id}>{e.q}</dt>
            <dd>
              {e.a.map((line) => (
                <p>{line}</p>
              ))}
            </dd>
          </>
        ))}
      </dl>
    </>
  )
}
