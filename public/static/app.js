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
          // The bar shows the whole run's share (0–100) and never moves back.
          if (bar && typeof data.percent === 'number') {
            bar.max = 100
            const now = bar.hasAttribute('value') ? bar.value : 0
            bar.value = Math.max(now, data.percent)
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

  // A flash line (?done=…) is said once: the address loses ?done=, so a reload (or the reload
  // when a run ends) does not repeat it.
  function flashOnce() {
    const url = new URL(window.location.href)
    if (!url.searchParams.has('done')) return
    url.searchParams.delete('done')
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
  }

  // A table wider than its box says so: a hint above it and a shadow on the hidden side.
  function scrollCues() {
    for (const wrap of document.querySelectorAll('.table-wrap')) {
      const hint = document.createElement('p')
      hint.className = 'scroll-hint muted'
      hint.textContent = wrap.getAttribute('data-scroll-hint') || ''
      hint.hidden = true
      wrap.before(hint)
      const update = () => {
        const over = wrap.scrollWidth > wrap.clientWidth + 1
        hint.hidden = !over || !hint.textContent
        wrap.classList.toggle('is-scrollable', over)
      }
      update()
      window.addEventListener('resize', update)
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    for (const el of document.querySelectorAll('[data-progress-url]')) pollProgress(el)
    toggles()
    flashOnce()
    scrollCues()
  })
})()
