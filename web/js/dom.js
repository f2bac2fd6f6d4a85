// Tiny DOM builder. Text is always inserted as text nodes, never as HTML.

/**
 * h('a', { href: '/x', class: 'link', dataset: { id: 3 } }, 'text', childNode)
 * Attributes with null/undefined/false values are skipped; true sets "".
 * Children may be strings, numbers, nodes, arrays of those, or null (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'dataset') {
      for (const [key, v] of Object.entries(value)) el.dataset[key] = String(v);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  }
}

/** Split plain text on blank lines into <p> elements. */
export function paragraphs(text, attrs = {}) {
  return String(text ?? '')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => h('p', attrs, p));
}

const FLASH_MS = 2500;
const flashTimers = new WeakMap();

/**
 * Mark an element as just updated for a moment (class "flash"; the CSS fades
 * it out, or shows it still when the reader prefers reduced motion).
 */
export function flash(el) {
  if (!el) return;
  clearTimeout(flashTimers.get(el));
  el.classList.remove('flash');
  void el.offsetWidth; // restart the animation when it is already running
  el.classList.add('flash');
  flashTimers.set(
    el,
    setTimeout(() => {
      el.classList.remove('flash');
      flashTimers.delete(el);
    }, FLASH_MS),
  );
}
