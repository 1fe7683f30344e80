/** One row of the benchmark's table. `met` is absent for figures that have no target. */
export interface Figure {
  name: string;
  value: string;
  target?: string;
  met?: boolean;
  /** How it was measured, or what the number is made of. */
  note?: string;
}

/** What the table's header says about where the numbers come from. */
export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  node: string;
  awsCli: string;
  kernel: string;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown the benchmark prints, ready to paste into README. */
export function renderReport(machine: Machine, figures: readonly Figure[]): string {
  const lines = [
    `## tray-cred benchmark, ${machine.date}`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, Linux ${machine.kernel}; Node ${machine.node}; ${machine.awsCli}.`,
    '',
    '| figure | measured | target | met |',
    '| --- | --- | --- | --- |',
    ...figures.map(
      (f) =>
        `| ${cell(f.name)} | ${cell(f.value)} | ${cell(f.target ?? '—')} | ${f.met === undefined ? '—' : f.met ? 'met' : '**not met**'} |`,
    ),
  ];
  const notes = figures.filter((f) => f.note);
  if (notes.length) {
    lines.push('', 'How each figure was measured:', '');
    for (const f of notes) lines.push(`- **${f.name}**: ${f.note}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} ms` : value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`;
}

/** The q-quantile (0..1) of numbers, by the nearest-rank method. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Median time of `fn` over `times` sequential runs, in milliseconds. */
export async function medianOf(times: number, fn: () => Promise<unknown>): Promise<number> {
  const took: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const t0 = performance.now();
    await fn();
    took.push(performance.now() - t0);
  }
  return quantile(took, 0.5);
}
