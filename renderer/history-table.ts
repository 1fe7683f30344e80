/**
 * The history table: rows virtualized by @tanstack/virtual-core, so that only the rows on screen
 * (plus a few) exist in the DOM and only their pages are fetched, however long the log is.
 */
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from '@tanstack/virtual-core';
import type { HistoryFilter, HistoryRow } from '../preload/api.ts';
import { displayText } from '../common/display.ts';
import { h } from './dom.ts';
import { decisionTone, formatDuration, formatLocalTime } from './format.ts';
import type { HistoryPages } from './history-pages.ts';

/** Fixed, so that scroll maths never needs to measure a row. Keep in step with `.row` in styles.css. */
const ROW_HEIGHT = 26;
const OVERSCAN = 6;
const SCROLL_PAUSE_MS = 60;

export interface HistoryTableParts {
  /** The element with `role="table"`, for aria-rowcount. */
  table: HTMLElement;
  /** The scrolling element. */
  viewport: HTMLElement;
  /** Inside the viewport, as tall as every row together; rows are placed in it. */
  body: HTMLElement;
  /** The header row, padded by the width of the body's scroll bar so that the columns line up. */
  head: HTMLElement;
  pages: HistoryPages;
  onCount(total: number): void;
  onError(error: unknown): void;
}

export class HistoryTable {
  readonly #parts: HistoryTableParts;
  readonly #virtualizer: Virtualizer<HTMLElement, HTMLElement>;
  readonly #rows = new Map<number, HTMLElement>();
  #fetchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(parts: HistoryTableParts) {
    this.#parts = parts;
    this.#virtualizer = new Virtualizer<HTMLElement, HTMLElement>({
      count: 0,
      getScrollElement: () => parts.viewport,
      estimateSize: () => ROW_HEIGHT,
      overscan: OVERSCAN,
      scrollToFn: elementScroll,
      observeElementRect,
      observeElementOffset,
      onChange: () => this.#render(),
    });
    this.#virtualizer._didMount();
    this.#virtualizer._willUpdate();
  }

  /** Shows the history under a new filter, from the top. */
  async show(filter: HistoryFilter): Promise<void> {
    const { pages } = this.#parts;
    pages.reset(filter);
    this.#clearRows();
    this.#virtualizer.scrollToOffset(0);
    const generation = pages.generation;
    try {
      if (!(await pages.ensure(0, Math.max(0, this.#lastVisible())))) return;
    } catch (error) {
      if (generation !== pages.generation) return;
      this.#setCount(0);
      this.#parts.onError(error);
      return;
    }
    this.#setCount(pages.total);
  }

  /** New entries were recorded: re-count and re-fetch what is on screen. */
  async refresh(): Promise<void> {
    const { pages } = this.#parts;
    const before = pages.total;
    const items = this.#virtualizer.getVirtualItems();
    const first = items[0]?.index ?? 0;
    const last = items.at(-1)?.index ?? 0;
    const generation = pages.generation + 1;
    try {
      if (!(await pages.refresh(first, last))) return;
    } catch (error) {
      // refresh() starts a generation of its own; a newer filter or refresh has replaced it.
      if (generation !== pages.generation) return;
      this.#parts.onError(error);
      return;
    }
    const offset = this.#virtualizer.scrollOffset ?? 0;
    this.#clearRows();
    this.#setCount(pages.total);
    // New entries arrive at the top; someone reading further down keeps their rows in place.
    const added = pages.total - before;
    if (offset > 0 && added > 0) this.#virtualizer.scrollToOffset(offset + added * ROW_HEIGHT);
  }

  #lastVisible(): number {
    return Math.ceil(this.#parts.viewport.clientHeight / ROW_HEIGHT) + OVERSCAN;
  }

  #setCount(total: number): void {
    this.#virtualizer.setOptions({ ...this.#virtualizer.options, count: total });
    this.#virtualizer._willUpdate();
    this.#parts.table.setAttribute('aria-rowcount', String(total + 1));
    this.#parts.onCount(total);
    this.#render();
  }

  #clearRows(): void {
    for (const row of this.#rows.values()) row.remove();
    this.#rows.clear();
  }

  #render(): void {
    const { body, pages, viewport, head } = this.#parts;
    const items = this.#virtualizer.getVirtualItems();
    body.style.height = `${this.#virtualizer.getTotalSize()}px`;
    head.style.paddingRight = `${8 + viewport.offsetWidth - viewport.clientWidth}px`;
    const keep = new Set(items.map((item) => item.index));
    for (const [index, row] of this.#rows) {
      if (!keep.has(index)) {
        row.remove();
        this.#rows.delete(index);
      }
    }
    for (const item of items) {
      let row = this.#rows.get(item.index);
      if (!row) {
        // Striped by list position, not DOM order, which changes as rows are recycled.
        row = h('div', {
          className: item.index % 2 ? 'row alt' : 'row',
          attrs: { role: 'row', 'aria-rowindex': String(item.index + 2) },
        });
        row.style.transform = `translateY(${item.start}px)`;
        this.#rows.set(item.index, row);
        body.append(row);
      }
      const data = pages.row(item.index);
      if (data && row.dataset.seq !== String(data.seq)) fillRow(row, data);
      else if (!data && row.childElementCount === 0) fillPlaceholder(row);
    }
    const first = items[0]?.index;
    const last = items.at(-1)?.index;
    clearTimeout(this.#fetchTimer);
    if (first === undefined || last === undefined) return;
    const fetch = (): void => {
      pages.ensure(first, last).then(
        (arrived) => {
          if (arrived) this.#render();
        },
        (error: unknown) => this.#parts.onError(error),
      );
    };
    // A fling or a smooth jump passes through pages nobody reads: fetch where the scroll pauses.
    if (this.#virtualizer.isScrolling) this.#fetchTimer = setTimeout(fetch, SCROLL_PAUSE_MS);
    else fetch();
  }
}

/** A cell of text from the log: caller claims and reasons are shown through the one escaper, like every display. */
function cell(raw: string, className = ''): HTMLElement {
  const text = displayText(raw);
  const el = h('div', { className: `cell ${className}`.trim(), text, attrs: { role: 'cell' } });
  // The columns are narrow: the whole text is one hover away.
  if (text) el.title = text;
  return el;
}

/** The caller's command, said to be verified (by the kernel) or claimed (by the client) on hover, with a differing claim. */
function callerCell(data: HistoryRow): HTMLElement {
  const el = cell(data.command ?? data.reason ?? '', data.verified ? 'command verified' : 'command');
  if (data.command !== null && el.title) {
    const claim = data.claimed ? `\nclaimed by the client: ${displayText(data.claimed)}` : '';
    el.title = `${data.verified ? 'verified by the kernel' : 'as claimed by the client'}: ${el.title}${claim}`;
  }
  return el;
}

function fillRow(row: HTMLElement, data: HistoryRow): void {
  row.dataset.seq = String(data.seq);
  row.classList.remove('loading');
  const label = data.decision ?? data.event;
  const badge = h('span', { className: `badge ${decisionTone(data.decision)}`, text: label });
  if (data.reason) badge.title = displayText(data.reason);
  const marks =
    data.firstUse && data.program
      ? [
          h('span', {
            className: 'badge first-use',
            text: 'new',
            attrs: { title: displayText(`First time ${data.program} asks for ${data.profile ?? '?'} in 90 days`) },
          }),
        ]
      : [];
  const decision = h('div', { className: 'cell decision', attrs: { role: 'cell' } }, [badge, ...marks]);
  row.replaceChildren(
    cell(formatLocalTime(data.time), 'time'),
    cell(data.profile ?? '', 'profile'),
    decision,
    callerCell(data),
    cell(data.cwd ?? '', 'cwd'),
    cell(formatDuration(data.durationMs), 'duration'),
  );
}

function fillPlaceholder(row: HTMLElement): void {
  row.classList.add('loading');
  row.replaceChildren(cell('…', 'time'));
}
