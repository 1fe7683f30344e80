/**
 * The Access History window: the audit log, filtered, virtualized, live, with the chain's verdict
 * on top. All data comes from `window.trayCred.history`; the page holds only what is on screen.
 */
import type { ChainStatus, ExportFormat, HistoryFilter } from '../preload/api.ts';
import { displayText } from '../common/display.ts';
import { byId, h, messageOf, setStatus, trayCred } from './dom.ts';
import { DECISIONS } from '../common/decision.ts';
import { formatCount, localInputToIso } from './format.ts';
import { DetailPane } from './history-detail.ts';
import { HistoryPages } from './history-pages.ts';
import { HistoryTable } from './history-table.ts';
import { HistoryTimeline } from './history-timeline.ts';

const TEXT_DEBOUNCE_MS = 250;
const REVERIFY_DELAY_MS = 1000;
/** Verifying reads and MACs the whole log in main (about a second per 100,000 entries), so live changes re-check it at most this often. */
const REVERIFY_MIN_INTERVAL_MS = 30_000;
let lastVerify = 0;

const api = trayCred();
const profile = byId('f-profile', HTMLSelectElement);
const decision = byId('f-decision', HTMLSelectElement);
const text = byId('f-text', HTMLInputElement);
const from = byId('f-from', HTMLInputElement);
const to = byId('f-to', HTMLInputElement);
const events = byId('f-events', HTMLSelectElement);
const banner = byId('banner', HTMLElement);
const count = byId('count', HTMLElement);
const status = byId('status', HTMLElement);
const empty = byId('empty', HTMLElement);

for (const choice of DECISIONS) decision.append(h('option', { text: choice, attrs: { value: choice } }));

const pages = new HistoryPages((filter, offset, limit) => api.history.query(filter, offset, limit));
const table = new HistoryTable({
  table: byId('table', HTMLElement),
  viewport: byId('viewport', HTMLElement),
  body: byId('rows', HTMLElement),
  head: byId('head-row', HTMLElement),
  pages,
  onCount: (total) => {
    count.textContent = `${formatCount(total)} ${total === 1 ? 'entry' : 'entries'}`;
    empty.hidden = total > 0;
    updateProfileChoices(pages.profiles);
  },
  onError: (error) => {
    // "No entries match" would be a false statement about a log that could not be read.
    empty.hidden = true;
    setStatus(status, messageOf(error), 'error');
  },
});

const DAY_MS = 86_400_000;
const SPANS: Record<string, number> = { day: DAY_MS, week: 7 * DAY_MS, month: 30 * DAY_MS, year: 365 * DAY_MS, all: 0 };
const two = (n: number): string => String(n).padStart(2, '0');
/** Milliseconds as a `datetime-local` value (local wall time, to the minute). */
function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Sets From/To (empty clears) and shows that range in the table and the timeline. */
function setRange(fromMs: number | undefined, toMs: number | undefined): void {
  from.value = fromMs === undefined ? '' : toLocalInput(fromMs);
  // To is exclusive and the inputs hold minutes: round up, so the brushed range's last minute stays in.
  to.value = toMs === undefined ? '' : toLocalInput(Math.ceil(toMs / 60_000) * 60_000);
  applyFilter();
}

const timeline = new HistoryTimeline({
  chart: byId('chart', HTMLElement),
  legend: byId('timeline-legend', HTMLElement),
  fetch: (filter, buckets) => api.history.timeline(filter, buckets),
  onRange: (fromMs, toMs) => setRange(fromMs, toMs),
  onReset: () => setRange(undefined, undefined),
  onError: (error) => setStatus(status, messageOf(error), 'error'),
});
for (const button of document.querySelectorAll<HTMLButtonElement>('.spans button')) {
  button.addEventListener('click', () => {
    const span = SPANS[button.dataset.span ?? 'all'] ?? 0;
    setRange(span ? Date.now() - span : undefined, undefined);
  });
}
new DetailPane({
  pane: byId('detail', HTMLElement),
  body: byId('detail-body', HTMLElement),
  close: byId('detail-close', HTMLElement),
  rows: byId('rows', HTMLElement),
  load: (seq) => api.history.entry(seq),
  onError: (error) => setStatus(status, messageOf(error), 'error'),
});

/** The filter the controls describe; unset fields are left out, so main sees only what narrows. */
function currentFilter(): HistoryFilter {
  const filter: HistoryFilter = { events: events.value === 'all' ? 'all' : 'access' };
  if (profile.value) filter.profile = profile.value;
  const chosen = DECISIONS.find((d) => d === decision.value);
  if (chosen) filter.decision = chosen;
  const words = text.value.trim();
  if (words) filter.text = words;
  const fromIso = localInputToIso(from.value);
  if (fromIso) filter.from = fromIso;
  const toIso = localInputToIso(to.value);
  if (toIso) filter.to = toIso;
  return filter;
}

function updateProfileChoices(names: readonly string[]): void {
  const have = [...profile.options].slice(1).map((o) => o.value);
  if (have.length === names.length && have.every((n, i) => n === names[i])) return;
  const selected = profile.value;
  profile.replaceChildren(profile.options[0] ?? h('option', { text: 'All profiles', attrs: { value: '' } }));
  for (const name of names) profile.append(h('option', { text: displayText(name), attrs: { value: name } }));
  // A profile that was removed from the log still filters until the user picks another.
  if (selected && !names.includes(selected))
    profile.append(h('option', { text: displayText(selected), attrs: { value: selected } }));
  profile.value = selected;
}

function applyFilter(): void {
  setStatus(status, '');
  const filter = currentFilter();
  void table.show(filter);
  void timeline.show(filter);
}

let textTimer: ReturnType<typeof setTimeout> | undefined;
text.addEventListener('input', () => {
  clearTimeout(textTimer);
  textTimer = setTimeout(applyFilter, TEXT_DEBOUNCE_MS);
});
for (const control of [profile, decision, from, to, events]) control.addEventListener('change', applyFilter);
byId('filters', HTMLFormElement).addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(textTimer);
  applyFilter();
});

function showChain(chain: ChainStatus): void {
  const verify = h('button', { text: 'Verify again', attrs: { type: 'button' } });
  verify.addEventListener('click', () => void verifyChain());
  let message: string;
  let tone: string;
  if (chain.state === 'verified') {
    message = `Chain verified: ${formatCount(chain.entries)} ${chain.entries === 1 ? 'entry' : 'entries'}`;
    tone = 'ok';
  } else if (chain.state === 'tampered') {
    message = `Tampered at entry ${chain.seq ?? '?'} (${chain.file}, line ${chain.line}): ${chain.reason}`;
    tone = 'bad';
  } else {
    message = `Chain not verified: ${chain.reason}`;
    tone = 'neutral';
  }
  banner.className = `banner ${tone}`;
  banner.replaceChildren(h('span', { text: message }), verify);
}

let verifySeq = 0;
async function verifyChain(): Promise<void> {
  lastVerify = Date.now();
  // A slower, older verify must not overwrite a newer verdict.
  const mine = ++verifySeq;
  try {
    const chain = await api.history.verify();
    if (mine === verifySeq) showChain(chain);
  } catch (error) {
    if (mine === verifySeq) showChain({ state: 'unavailable', reason: messageOf(error) });
  }
}

async function exportView(format: ExportFormat, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    const result = await api.history.export(currentFilter(), format);
    if (result.saved)
      setStatus(
        status,
        `Exported ${formatCount(result.rows)} ${result.rows === 1 ? 'entry' : 'entries'} to ${result.path ?? 'the chosen file'}`,
      );
    else setStatus(status, 'Export cancelled');
  } catch (error) {
    setStatus(status, messageOf(error), 'error');
  } finally {
    button.disabled = false;
  }
}

for (const [id, format] of [
  ['export-csv', 'csv'],
  ['export-json', 'json'],
] as const) {
  const button = byId(id, HTMLButtonElement);
  button.addEventListener('click', () => void exportView(format, button));
}

// Entries can arrive in bursts: one refresh at a time, and one more if anything came meanwhile.
let refreshing = false;
let again = false;
async function refreshLive(): Promise<void> {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    do {
      again = false;
      await Promise.all([table.refresh(), timeline.show(currentFilter())]);
    } while (again);
  } finally {
    refreshing = false;
  }
}

let verifyTimer: ReturnType<typeof setTimeout> | undefined;
api.history.onChanged(() => {
  void refreshLive();
  if (verifyTimer !== undefined) return;
  verifyTimer = setTimeout(
    () => {
      verifyTimer = undefined;
      void verifyChain();
    },
    Math.max(REVERIFY_DELAY_MS, lastVerify + REVERIFY_MIN_INTERVAL_MS - Date.now()),
  );
});

applyFilter();
void verifyChain();
