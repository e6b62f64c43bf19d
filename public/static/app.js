/*
 * Live parts of the settings UI (no inline scripts: the CSP forbids them).
 * 1. Sync list / sync page: elements with data-progress-url are refreshed every 3 s from a small JSON
 *    endpoint while a run is active; when the run ends the page reloads to show the result.
 * 2. Sync form: the "all customers" / "create list" checkboxes disable the select they replace (and
 *    "create list" enables the new list's title), and changing the Unisender account reloads the
 *    form with that account's lists.
 */
;(() => {
  function pollProgress(el) {
    const url = el.getAttribute('data-progress-url')
    const tick = () => {
      fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then((r) => (r.ok ? r.json() : null))
        .then((data) => {
          if (!data) return
          const bar = el.querySelector('progress')
          const label = el.querySelector('[data-progress-label]')
          if (bar && data.total > 0) {
            bar.max = data.total
            bar.value = data.done
          }
          if (label && data.label) label.textContent = data.label
          if (data.active) setTimeout(tick, 3000)
          else window.location.reload()
        })
        .catch(() => setTimeout(tick, 6000))
    }
    setTimeout(tick, 3000)
  }

  function toggles() {
    for (const box of document.querySelectorAll('input[data-disables]')) {
      const target = document.getElementById(box.getAttribute('data-disables'))
      if (!target) continue
      const sync = () => {
        target.disabled = box.checked
      }
      box.addEventListener('change', sync)
      sync()
    }
    // «Название нового списка» is used only while «Создать сегмент…» is ticked.
    for (const input of document.querySelectorAll('[data-enabled-by]')) {
      const box = document.getElementById(input.getAttribute('data-enabled-by'))
      if (!box) continue
      const sync = () => {
        input.disabled = !box.checked
      }
      box.addEventListener('change', sync)
      sync()
    }
    const account = document.querySelector('select[data-reload-param]')
    if (account) {
      account.addEventListener('change', () => {
        const form = account.form
        const url = new URL(form.getAttribute('data-reload-url'), window.location.href)
        for (const [k, v] of new FormData(form)) {
          if (k !== '_csrf' && typeof v === 'string') url.searchParams.set(k, v)
        }
        window.location.assign(url.toString())
      })
      const noscript = document.querySelector('[data-noscript-only]')
      if (noscript) noscript.hidden = true
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    for (const el of document.querySelectorAll('[data-progress-url]')) pollProgress(el)
    toggles()
  })
})()
