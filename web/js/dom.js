// Building page elements from data: text is always set as text, never parsed as HTML.

export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** A coloured label: a verdict, a risk level or an action. */
export function badge(value, kind = value) {
  return el('span', value, `badge ${kind}`);
}
