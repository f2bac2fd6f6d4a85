// The "Activity" tab of the organiser console: what happened at the event,
// newest first: registrations, cancellations, promotions, programme changes
// and every change made by staff (who, and why).

import { h } from './dom.js';
import { t, has, label } from './i18n.js';
import { saveState, wallClockText, errorMessage } from './console-ui.js';
import { get, withQuery } from './console-api.js';

const PAGE = 50;

function who(registration) {
  return registration.organisation ? `${registration.name} (${registration.organisation})` : registration.name;
}

/** One line of the feed, as text, for an item of GET /api/events/{id}/activity. */
export function describeItem(item) {
  switch (item.type) {
    case 'registered':
      return t('console.activity.registered', { name: who(item.registration) });
    case 'cancelled':
      return t('console.activity.cancelled', { name: who(item.registration) });
    case 'promoted':
      return t('console.activity.promoted', { name: who(item.registration) });
    case 'schedule':
      return t(`console.activity.schedule.${has(`console.activity.schedule.${item.change}`) ? item.change : 'changed'}`, {
        title: item.session?.title ?? '',
      });
    case 'staff': {
      const key = `console.action.${item.action}`;
      const what = has(key) ? t(key, { name: item.after?.name ?? item.before?.name ?? item.after?.title ?? item.before?.title ?? '' }) : item.action;
      return t('console.activity.staff', { actor: item.actor, action: what });
    }
    default:
      return item.type;
  }
}

/** The tab. ctx: { base }. Returns { refresh() }. */
export function mountActivity(panel, ctx) {
  const list = h('ol', { class: 'console-activity' });
  const more = h('button', { type: 'button', class: 'button button--secondary', hidden: true }, t('console.activity.older'));
  const state = saveState();
  let next = null;

  function itemElement(item) {
    const reason = item.reason ? h('span', { class: 'console-activity__reason' }, t('console.activity.reason', { reason: item.reason })) : null;
    return h(
      'li',
      { class: `console-activity__item console-activity__item--${item.type}` },
      h('time', { datetime: item.at, class: 'console-activity__time' }, wallClockText(item.at)),
      ' ',
      h('span', { class: 'tag' }, label('console.activity.type', item.type)),
      ' ',
      h('span', { class: 'console-activity__text' }, describeItem(item)),
      reason ? [' ', reason] : null,
    );
  }

  async function load(append) {
    state.el.dataset.state = 'saving';
    state.el.textContent = t('loading');
    try {
      const page = await get(withQuery(`${ctx.base}/activity`, { limit: PAGE, before: append ? next : '' }));
      const items = page.items.map(itemElement);
      if (append) list.append(...items);
      else list.replaceChildren(...items);
      if (!append && page.items.length === 0) list.replaceChildren(h('li', { class: 'empty' }, t('console.activity.none')));
      next = page.next;
      more.hidden = !next;
      state.clear();
    } catch (err) {
      state.failed(errorMessage(err));
    }
  }

  more.addEventListener('click', () => load(true));
  panel.replaceChildren(state.el, list, more);
  return { refresh: () => load(false) };
}
