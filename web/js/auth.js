// Who is looking: sign in with a name and password or, for a wall screen,
// with a viewer token (kiosk mode).  Either way the server answers with an
// HttpOnly session cookie; the page never keeps a credential itself.

import { api, ApiError } from './api.js';

/** The signed-in identity ({name, role}), or null when nobody is. */
export async function whoAmI() {
  try {
    return await api('/me', { quiet401: true });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function signInWithPassword(username, password) {
  kioskHere = false; // a person at the screen: no longer a wall screen
  try { sessionStorage.removeItem(KIOSK_KEY); } catch { /* storage off */ }
  return api('/login', { method: 'POST', body: { username, password }, quiet401: true });
}

/** Kiosk mode: exchange a viewer token for a long-lived session cookie. */
export function signInWithToken(token) {
  return api('/login', { method: 'POST', body: { token }, quiet401: true });
}

export function signOut() {
  return api('/logout', { method: 'POST', quiet401: true });
}

/**
 * A token handed over in the address (/#kiosk=TOKEN), removed from the
 * address and the history entry at once so that it is not left on screen.
 */
export function takeKioskToken() {
  const m = /^#kiosk=([A-Za-z0-9_\-]+)$/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname + location.search);
  try { sessionStorage.setItem(KIOSK_KEY, '1'); } catch { /* storage off: this load only */ }
  kioskHere = true;
  return m[1];
}

const KIOSK_KEY = 'oasis.kiosk';
let kioskHere = false;

/**
 * Is this tab a wall screen (signed in through /#kiosk=TOKEN, in this load or
 * an earlier one of the same tab: the kiosk cookie outlives the address)?
 */
export function isKiosk() {
  if (kioskHere) return true;
  try { return sessionStorage.getItem(KIOSK_KEY) === '1'; } catch { return false; }
}

/** Operators and admins may command valves. */
export function mayCommand(me) {
  return !!me && (me.role === 'operator' || me.role === 'admin');
}
