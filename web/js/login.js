// Staff sign-in (/login). On success the browser goes to ?next= when it is a path on this
// site, else to the organiser console. Errors say what to do: a wrong email or password,
// a lock-out with its remaining wait, a busy server.

import { initI18n, t } from './i18n.js';
import { ApiError, friendlyMessage } from './api.js';
import { signIn, safeNext } from './staff.js';

let countdown = null;

function form() {
  return document.getElementById('login-form');
}

function showError(message) {
  document.getElementById('login-error').textContent = message;
}

function setBusy(busy) {
  const button = document.getElementById('login-submit');
  button.disabled = busy;
  button.textContent = busy ? t('login.signingIn') : t('login.submit');
}

/** "Too many attempts, try again in N s", counting down; the button waits too. */
function lockedFor(seconds) {
  clearInterval(countdown);
  let left = Math.max(1, Math.ceil(seconds));
  const button = document.getElementById('login-submit');
  const tick = () => {
    if (left <= 0) {
      clearInterval(countdown);
      countdown = null;
      button.disabled = false;
      showError(t('login.tryAgainNow'));
      return;
    }
    showError(t('login.tooManyAttempts', { seconds: left }));
    left -= 1;
  };
  button.disabled = true;
  tick();
  countdown = setInterval(tick, 1000);
}

function messageFor(err) {
  if (!(err instanceof ApiError)) return friendlyMessage(err);
  switch (err.code) {
    case 'invalid_credentials':
      return t('login.invalid');
    case 'busy':
      return t('login.busy');
    case 'invalid_field':
      return err.details?.field === 'password' ? t('login.passwordInvalid') : t('login.emailInvalid');
    default:
      return friendlyMessage(err);
  }
}

async function submit(event) {
  event.preventDefault();
  if (countdown) return;
  const email = form().elements.namedItem('email').value.trim();
  const password = form().elements.namedItem('password').value;
  if (!email || !password) {
    showError(t('login.missing'));
    (email ? form().elements.namedItem('password') : form().elements.namedItem('email')).focus();
    return;
  }
  showError('');
  setBusy(true);
  try {
    await signIn(email, password);
    document.getElementById('status').textContent = t('login.signedIn');
    location.assign(safeNext(new URLSearchParams(location.search).get('next')));
  } catch (err) {
    setBusy(false);
    if (err instanceof ApiError && err.code === 'too_many_attempts') {
      lockedFor(Number(err.details?.retry_after) || 30);
    } else {
      showError(messageFor(err));
    }
    const passwordInput = form().elements.namedItem('password');
    passwordInput.value = '';
    passwordInput.focus();
  }
}

async function main() {
  await initI18n();
  document.title = `${t('login.title')} · ${t('appName')}`;
  form().addEventListener('submit', submit);
  form().elements.namedItem('email').focus();
}

main();
