/**
 * "С чего начать": the three steps of the help article's set-up — account added, first sync
 * saved, first run done — shown until all three are done, each ticked or linked to where it is done.
 */
import type { T } from '../../i18n'

export interface ChecklistState {
  hasAccount: boolean
  hasSync: boolean
  firstRunDone: boolean
}

export function FirstRunChecklist(p: { t: T } & ChecklistState) {
  const { t } = p
  if (p.hasAccount && p.hasSync && p.firstRunDone) return null
  const steps = [
    { done: p.hasAccount, label: t('start.account'), href: '/accounts/new' },
    { done: p.hasSync, label: t('start.sync'), href: p.hasAccount ? '/syncs/new' : null },
    { done: p.firstRunDone, label: t('start.run'), href: null },
  ]
  return (
    <section class="card checklist" aria-labelledby="start-title">
      <h2 id="start-title">{t('start.title')}</h2>
      <ol>
        {steps.map((s) => (
          <li class={s.done ? 'done' : undefined}>
            <span class="check-mark" aria-hidden="true">
              {s.done ? '✓' : '○'}
            </span>{' '}
            {!s.done && s.href ? <a href={s.href}>{s.label}</a> : s.label}{' '}
            <span class="visually-hidden">({s.done ? t('start.done') : t('start.todo')})</span>
          </li>
        ))}
      </ol>
    </section>
  )
}
