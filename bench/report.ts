/**
 * One line per figure, the same shape for every benchmark, so `npm run bench`
 * reads as a table: name, measured value, budget, and the ratio to the budget.
 */

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Budget or goal from DESIGN.md; omit for figures that are only reported. */
  budget?: number;
  /** `max`: the value must stay under the budget (latency, size); `min`: over it (throughput). */
  kind?: 'max' | 'min';
}

function fmt(n: number): string {
  if (n === 0) return '0';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

export function report(figure: Figure): void {
  const { name, value, unit, budget, kind = 'max' } = figure;
  let verdict = '';
  if (budget !== undefined) {
    const ratio = value / budget;
    const ok = kind === 'max' ? value <= budget : value >= budget;
    verdict = `  budget ${kind === 'max' ? '<=' : '>='} ${fmt(budget)} ${unit}  ratio ${ratio.toFixed(2)}  ${ok ? 'ok' : 'OVER'}`;
  }
  console.log(`${name.padEnd(52)} ${fmt(value).padStart(10)} ${unit.padEnd(8)}${verdict}`);
}

/** Percentile of a sample (nearest rank). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
