/**
 * The rows of the filtered history that the page has seen, fetched a page at a time from main on
 * demand: a 100,000-entry log never crosses IPC whole, only the pages the table shows.
 */
import type { HistoryFilter, HistoryPage, HistoryRow } from '../preload/api.ts';

type Query = (filter: HistoryFilter, offset: number, limit: number) => Promise<HistoryPage>;

/** Rows per query: a few screens, well under main's MAX_PAGE (500). */
const PAGE_SIZE = 100;

export class HistoryPages {
  readonly #query: Query;
  #filter: HistoryFilter = {};
  #pages = new Map<number, HistoryRow[]>();
  #inflight = new Map<number, Promise<void>>();
  // Answers to an older filter or an older refresh arrive late and must not land in the new view.
  #generation = 0;
  total = 0;
  profiles: string[] = [];

  constructor(query: Query) {
    this.#query = query;
  }

  get filter(): HistoryFilter {
    return this.#filter;
  }

  /** Changes with every new filter or refresh: a failure from an older one says nothing about the view. */
  get generation(): number {
    return this.#generation;
  }

  /** Forgets every page: the next {@link ensure} asks main under the new filter. */
  reset(filter: HistoryFilter): void {
    this.#filter = filter;
    this.#pages = new Map();
    this.#inflight = new Map();
    this.#generation++;
  }

  row(index: number): HistoryRow | undefined {
    return this.#pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Fetches the pages holding rows first..last that are not cached; resolves true if any arrived. */
  async ensure(first: number, last: number): Promise<boolean> {
    const generation = this.#generation;
    const waits: Promise<void>[] = [];
    for (const page of pagesOf(first, last)) {
      if (this.#pages.has(page)) continue;
      let wait = this.#inflight.get(page);
      if (!wait) {
        wait = this.#fetch(page).then(
          (result) => {
            if (generation !== this.#generation) return;
            this.#inflight.delete(page);
            this.#pages.set(page, result.rows);
            this.#take(result);
          },
          (error: unknown) => {
            // Leave the page uncached so that the next scroll asks again.
            if (generation === this.#generation) this.#inflight.delete(page);
            throw error;
          },
        );
        this.#inflight.set(page, wait);
      }
      waits.push(wait);
    }
    if (waits.length === 0) return false;
    await Promise.all(waits);
    return generation === this.#generation;
  }

  /**
   * New entries were recorded: they sit at the top and shift every row down, so the cached pages
   * are all stale. Fetch the rows on screen afresh and swap them in at once, so nothing flickers.
   */
  async refresh(first: number, last: number): Promise<boolean> {
    const generation = ++this.#generation;
    this.#inflight = new Map();
    const wanted = pagesOf(Math.max(0, first), Math.max(0, last));
    const results = await Promise.all(wanted.map((page) => this.#fetch(page)));
    if (generation !== this.#generation) return false;
    this.#pages = new Map(wanted.map((page, i) => [page, results[i]?.rows ?? []]));
    for (const result of results) this.#take(result);
    return true;
  }

  #fetch(page: number): Promise<HistoryPage> {
    return this.#query(this.#filter, page * PAGE_SIZE, PAGE_SIZE);
  }

  #take(result: HistoryPage): void {
    this.total = result.total;
    this.profiles = result.profiles;
  }
}

function pagesOf(first: number, last: number): number[] {
  const pages: number[] = [];
  for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor(last / PAGE_SIZE); p++) pages.push(p);
  return pages;
}
