// The admin console's plot import: drop a file (GeoJSON, a zipped
// Shapefile, KML or GeoPackage) or pick one; the server first reads it
// without storing anything (POST /plots?dry_run=1, the same report as
// `oasis plots import --dry-run`: features, new, updated, rejected and
// why), then imports it when asked.

import { t } from './i18n.js';
import { el } from './dom.js';
import { num } from './format.js';
import { field, errorMessage } from './admin_ui.js';

const ACCEPT = '.geojson,.json,.zip,.kml,.gpkg';

/** POST the file's bytes to /plots with the options; {status, data}. */
async function upload(file, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const res = await fetch('/api/v1/plots' + (q.size ? '?' + q : ''), {
    method: 'POST', credentials: 'same-origin', cache: 'no-store',
    headers: { 'Content-Type': 'application/octet-stream' }, body: file,
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  return { status: res.status, data, text };
}

export class PlotImportPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.file = null;
    this.report = null;     // the summary of the last dry run or import
    this.imported = false;  // the report is of an import, not a dry run
    this.options = { code_field: '', encoding: '', skip_invalid: false };
  }

  async load() {}

  params(dry) {
    return {
      dry_run: dry ? '1' : '', code_field: this.options.code_field, encoding: this.options.encoding,
      skip_invalid: this.options.skip_invalid ? '1' : '',
    };
  }

  /** Read the file on the server, without (dry) or with storing it. */
  async send(dry) {
    if (!this.file) return;
    try {
      const { status, data, text } = await upload(this.file, this.params(dry));
      const summary = data && (data.error ? data.error.summary : data);
      if (status >= 400 && !summary)
        throw Object.assign(new Error(data && data.error ? data.error.message : text), { status });
      this.report = summary;
      this.imported = !dry && status < 300;
      if (status >= 400) this.ctx.notify(t('admin.error', { message: data.error.message }), 'error');
      else this.ctx.notify(t(dry ? 'admin.plots.checked_done' : 'admin.plots.imported_done',
        { added: summary.added, updated: summary.updated }));
    } catch (e) {
      this.report = null;
      this.ctx.notify(errorMessage(e), 'error');
    }
    this.ctx.rerender();
  }

  take(file) {
    if (!file) return;
    this.file = file;
    this.report = null;
    this.send(true);
  }

  reportView() {
    const r = this.report;
    if (!r) return null;
    const fact = (key, v) => [el('dt', { text: t(key) }), el('dd', { text: num(v) })];
    return el('section', { class: 'admin-report', dataset: { stored: String(!!r.stored) } },
      el('h3', { text: t(this.imported ? 'admin.plots.report_imported' : 'admin.plots.report_dry') }),
      el('dl', { class: 'facts' }, ...fact('admin.plots.features', r.features), ...fact('admin.plots.added', r.added),
        ...fact('admin.plots.updated', r.updated), ...fact('admin.plots.rejected', r.rejected)),
      r.rejects && r.rejects.length ? el('ol', { class: 'admin-rejects' },
        ...r.rejects.map((x) => el('li', { text: x.message }))) : null,
      !this.imported ? el('button', { type: 'button', class: 'primary admin-import',
        text: t('admin.plots.import'), disabled: r.rejected > 0 && !this.options.skip_invalid,
        onclick: () => this.send(false) }) : null);
  }

  view() {
    const input = el('input', { type: 'file', accept: ACCEPT, name: 'file', class: 'admin-file',
      onchange: (ev) => this.take(ev.target.files[0]) });
    const zone = el('div', { class: 'admin-drop', tabindex: '0', role: 'button', 'aria-label': t('admin.plots.drop') },
      el('p', { text: t('admin.plots.drop') }),
      el('p', { class: 'muted', text: t('admin.plots.formats') }),
      this.file ? el('p', { class: 'admin-file-name', text: this.file.name }) : null, input);
    zone.addEventListener('click', (ev) => { if (ev.target !== input) input.click(); });
    zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (ev) => {
      ev.preventDefault();
      zone.classList.remove('over');
      this.take(ev.dataTransfer.files[0]);
    });
    const opt = (name, attrs = {}) => el('input', { name, value: this.options[name], autocomplete: 'off', ...attrs,
      onchange: (ev) => { this.options[name] = ev.target.value.trim(); } });
    const skip = el('input', { type: 'checkbox', name: 'skip_invalid', checked: this.options.skip_invalid,
      onchange: (ev) => { this.options.skip_invalid = ev.target.checked; this.ctx.rerender(); } });
    return [
      zone,
      el('div', { class: 'admin-form admin-plot-options' },
        field('admin.plots.code_field', opt('code_field', { placeholder: 'code' })),
        field('admin.plots.encoding', opt('encoding', { placeholder: 'UTF-8 / GBK' })),
        el('label', { class: 'admin-check' }, skip, t('admin.plots.skip_invalid')),
        this.file ? el('button', { type: 'button', class: 'chip', text: t('admin.plots.check_again'),
          onclick: () => this.send(true) }) : null),
      this.reportView(),
    ].filter(Boolean);
  }
}
