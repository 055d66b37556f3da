// The page's entry: translations, then who is signed in (a kiosk token in
// the address signs a wall screen in first), then the sign-in page or the
// big screen.

import { errorText as apiErrorText } from './alert_text.js';
import { initI18n, setLang, otherLang, t } from './i18n.js';
import { api, setUnauthorizedHandler } from './api.js';
import { whoAmI, signInWithToken, signOut, takeKioskToken } from './auth.js';
import { LoginView, errorText } from './login.js';

/*
 * The screen (and ECharts, 1 MB) is loaded while the data it opens with is
 * already on its way: a signed-in wall screen paints sooner.  Signed out,
 * these answer 401, are dropped, and the screen asks again after sign-in.
 */
function preload() {
  const get = (path) => api(path, { quiet401: true }).catch(() => null);
  return Promise.all([get('/overview'), get('/plots')])
    .then(([overview, plots]) => (overview && plots ? { overview, plots } : null));
}

async function loadConfig() {
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    return res.ok ? await res.json() : {};
  } catch {
    return {};
  }
}

class App {
  constructor(config, screenModule, preloaded) {
    this.config = config;
    this.screenModule = screenModule;
    this.preloaded = preloaded;
    this.screen = null;
    this.login = new LoginView(document.getElementById('login'), (me) => this.showScreen(me));
    setUnauthorizedHandler(() => this.showLogin(t('login.expired')));
    for (const b of document.querySelectorAll('.lang-switch'))
      b.addEventListener('click', () => setLang(otherLang()));
  }

  async start() {
    const kiosk = takeKioskToken();
    let message = '';
    if (kiosk) {
      try {
        await signInWithToken(kiosk);
      } catch (e) {
        message = errorText(e, 'token');
      }
    }
    const me = await whoAmI();
    document.getElementById('boot').hidden = true;
    if (me) this.showScreen(me);
    else this.showLogin(message);
  }

  async showScreen(me) {
    this.screen?.stop();
    const { Screen } = await this.screenModule;
    const preloaded = this.preloaded;
    this.preloaded = null; // once: later sign-ins fetch afresh
    const screen = (this.screen = new Screen(document.getElementById('screen'), me, this.config,
      (message) => this.signOut(message)));
    screen.start(preloaded).catch((e) => {
      if (this.screen === screen) this.showLogin(t('app.error', { message: apiErrorText(e) }));
    });
    this.mountAdmin(me, screen);
  }

  /** The admin console (admin.js), loaded for admins only. */
  async mountAdmin(me, screen) {
    this.admin?.unmount();
    this.admin = null;
    if (me.role !== 'admin') return;
    const { AdminConsole } = await import('./admin.js');
    if (this.screen !== screen) return; // signed out meanwhile
    this.admin = new AdminConsole(document.getElementById('screen'), me);
    this.admin.mount();
  }

  async signOut(message) {
    if (!message) await signOut().catch(() => {});
    this.showLogin(message);
  }

  showLogin(message) {
    const screen = this.screen;
    this.screen = null;
    this.admin?.unmount();
    this.admin = null;
    screen?.stop();
    this.login.show(message);
  }
}

async function main() {
  const preloaded = location.hash.startsWith('#kiosk=') ? null : preload();
  const screenModule = import('./screen.js');
  const [config] = await Promise.all([loadConfig(), initI18n()]);
  await new App(config, screenModule, preloaded).start();
}

main().catch((e) => {
  const boot = document.getElementById('boot');
  boot.hidden = false;
  boot.querySelector('p').textContent = String(e && e.message ? e.message : e);
});
