/**
 * The timeline above the history table: the current filter's accesses over time as bars stacked
 * by decision, drawn by uPlot from buckets main computes (the page never holds the rows it counts).
 * Dragging across it picks a time range, which becomes the From/To filter; the span buttons and a
 * double-click zoom out. uPlot styles its elements through the CSSOM (`el.style.x = ...`), which
 * the windows' CSP (`style-src 'self'`, no inline styles) allows; its stylesheet is a file.
 */
import uPlot from 'uplot';
import type { Decision, HistoryFilter, TimelineBuckets } from '../preload/api.ts';
import { h } from './dom.ts';
import { formatCount } from './format.ts';

/** Buckets asked for per chart width: about one per 4 pixels, at most 240. */
const PIXELS_PER_BUCKET = 4;
const MAX_BUCKETS = 240;
const HEIGHT = 120;

export interface HistoryTimelineParts {
  chart: HTMLElement;
  legend: HTMLElement;
  fetch(filter: HistoryFilter, buckets: number): Promise<TimelineBuckets>;
  /** A range was brushed: milliseconds since 1970, `to` exclusive. */
  onRange(from: number, to: number): void;
  /** A double-click: show everything again. */
  onReset(): void;
  onError(error: unknown): void;
}

/** A CSS custom property of the page, for the canvas (which cannot read CSS itself). */
function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** Stacked bars: each series is drawn as the sum of itself and those below, the tallest first. */
function stacked(t: TimelineBuckets): { xs: number[]; stacks: number[][] } {
  const xs = (t.series[0]?.counts ?? []).map((_, i) => t.from + i * t.bucketMs);
  const sums = xs.map(() => 0);
  const stacks = t.series.map((s) => s.counts.map((c, i) => (sums[i]! += c)));
  return { xs, stacks };
}

export class HistoryTimeline {
  readonly #parts: HistoryTimelineParts;
  #plot: uPlot | undefined;
  #asked = 0;
  /** What is drawn now, for tests and the legend: the decisions and their totals. */
  shown: TimelineBuckets | undefined;

  constructor(parts: HistoryTimelineParts) {
    this.#parts = parts;
    new ResizeObserver(() => this.#plot?.setSize({ width: this.#width(), height: HEIGHT })).observe(parts.chart);
    parts.chart.addEventListener('dblclick', () => parts.onReset());
  }

  #width(): number {
    return Math.max(200, this.#parts.chart.clientWidth);
  }

  /** Asks main for the filter's buckets and draws them; an older answer never replaces a newer one. */
  async show(filter: HistoryFilter): Promise<void> {
    const mine = ++this.#asked;
    let t: TimelineBuckets;
    try {
      t = await this.#parts.fetch(filter, Math.min(MAX_BUCKETS, Math.floor(this.#width() / PIXELS_PER_BUCKET)));
    } catch (error) {
      if (mine === this.#asked) this.#parts.onError(error);
      return;
    }
    if (mine !== this.#asked) return;
    this.shown = t;
    this.#draw(t);
    this.#legend(t);
  }

  #legend(t: TimelineBuckets): void {
    const items = t.series.map((s) => {
      const total = s.counts.reduce((a, b) => a + b, 0);
      return h(
        'span',
        {
          className: `legend-item d-${s.decision}`,
          attrs: { 'data-decision': s.decision, 'data-count': String(total) },
        },
        [h('span', { className: 'swatch' }), h('span', { text: `${s.decision} ${formatCount(total)}` })],
      );
    });
    this.#parts.legend.replaceChildren(
      ...(items.length ? items : [h('span', { className: 'muted', text: 'No accesses in this range' })]),
    );
  }

  #draw(t: TimelineBuckets): void {
    const { xs, stacks } = stacked(t);
    // Tallest (the sum of all) first, so each lower stack paints over the one above it.
    const order = t.series.map((_, k) => k).reverse();
    const data: uPlot.AlignedData = [xs, ...order.map((k) => stacks[k]!)];
    this.#plot?.destroy();
    const text = cssVar('--muted');
    const grid = cssVar('--line');
    const bars = uPlot.paths.bars!({ size: [0.9, 40], align: 1 });
    const series: uPlot.Series[] = [{}, ...order.map((k) => this.#series(t.series[k]!.decision, bars))];
    this.#plot = new uPlot(
      {
        width: this.#width(),
        height: HEIGHT,
        ms: 1,
        legend: { show: false },
        cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
        scales: { x: { time: true, range: [t.from, t.to] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
          { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 44 },
        ],
        series,
        hooks: { setSelect: [(u) => this.#brushed(u)] },
      },
      data,
      this.#parts.chart,
    );
  }

  #series(decision: Decision, bars: uPlot.Series.PathBuilder): uPlot.Series {
    const colour = cssVar(`--d-${decision}`);
    return { label: decision, stroke: colour, fill: colour, width: 0, paths: bars, points: { show: false } };
  }

  #brushed(u: uPlot): void {
    const { left, width } = u.select;
    if (width < 2) return;
    const from = u.posToVal(left, 'x');
    const to = u.posToVal(left + width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    this.#parts.onRange(Math.floor(from), Math.ceil(to));
  }
}
