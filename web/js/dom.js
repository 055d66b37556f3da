// Small DOM helpers: building elements and setting the screen's fields.

/** el('div', {class: 'x', dataset: {k: 'v'}}, child, 'text', ...) */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false)
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/** Set the text of the element marked data-field=name under root. */
export function setField(root, name, text) {
  const e = root.querySelector(`[data-field="${name}"]`);
  if (e && e.textContent !== text) e.textContent = text;
}

/** Show or hide an empty-state note (data-empty=name) with a message. */
export function setEmpty(root, name, message) {
  const e = root.querySelector(`[data-empty="${name}"]`);
  if (!e) return;
  e.hidden = !message;
  if (message) e.textContent = message;
}

/** Text made safe to put in HTML (ECharts tooltips are HTML). */
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
