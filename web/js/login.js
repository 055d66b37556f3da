// The sign-in page: a name and password, or a wall screen's viewer token.

import { errorText as apiErrorText } from './alert_text.js';
import { t } from './i18n.js';
import { ApiError } from './api.js';
import { signInWithPassword, signInWithToken } from './auth.js';

export class LoginView {
  /** root: section#login; onSignedIn(me) once a sign-in succeeds. */
  constructor(root, onSignedIn) {
    this.root = root;
    this.form = root.querySelector('form');
    this.error = root.querySelector('.login-error');
    this.onSignedIn = onSignedIn;
    this.mode = 'password';
    for (const tab of root.querySelectorAll('.tab'))
      tab.addEventListener('click', () => this.setMode(tab.dataset.mode));
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
  }

  show(message = '') {
    this.root.hidden = false;
    this.say(message);
    this.form.querySelector(this.mode === 'password' ? '[name=username]' : '[name=token]').focus();
  }

  hide() {
    this.root.hidden = true;
    this.form.reset();
    this.say('');
  }

  setMode(mode) {
    this.mode = mode;
    for (const tab of this.root.querySelectorAll('.tab'))
      tab.setAttribute('aria-selected', String(tab.dataset.mode === mode));
    for (const f of this.root.querySelectorAll('.login-fields'))
      f.hidden = f.dataset.mode !== mode;
    this.say('');
  }

  say(message) {
    this.error.hidden = !message;
    this.error.textContent = message;
  }

  async submit() {
    const data = new FormData(this.form);
    const button = this.form.querySelector('[type=submit]');
    button.disabled = true;
    try {
      const me = this.mode === 'token'
        ? await signInWithToken(String(data.get('token')).trim())
        : await signInWithPassword(String(data.get('username')), String(data.get('password')));
      this.hide();
      this.onSignedIn(me);
    } catch (e) {
      this.say(errorText(e, this.mode));
    } finally {
      button.disabled = false;
    }
  }
}

/** What to tell a person whose sign-in failed. */
export function errorText(e, mode) {
  if (!(e instanceof ApiError)) return t('error.network');
  if (mode === 'token' && e.status === 403) return t('login.error_token_role');
  if (e.status === 401) return t(mode === 'token' ? 'login.error_token' : 'login.error_credentials');
  return apiErrorText(e);
}
