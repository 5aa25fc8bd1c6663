import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { secretScans } from './box.js';

/** Where each suite leaves its figures for `npm run reliability:table`. */
export const RESULTS_DIR = fileURLToPath(new URL('../../.reliability/', import.meta.url));

export interface Row {
  /** What was tried, e.g. "16 runs at once, expired token, token endpoint 300 ms slow". */
  tested: string;
  /** What held, with the numbers, e.g. "refresh token spent once; 16/16 exit 0". */
  held: string;
}

export interface SuiteFigures {
  order: number;
  area: string;
  rows: Row[];
  runs: number;
  kills: number;
  faults: number;
  /** Sandboxes searched for leaked secrets (every run's output is searched too). */
  secretScans: number;
}

/**
 * The suite's own account of what it did. Only figures that the assertions pin down go in, so the
 * README table generated from them changes only when the suite does.
 */
export class Figures {
  readonly rows: Row[] = [];
  runs = 0;
  kills = 0;
  faults = 0;

  constructor(
    private readonly order: number,
    private readonly area: string,
  ) {}

  private readonly groups = new Map<string, { held: string; items: string[] }>();

  row(tested: string, held: string): void {
    this.rows.push({ tested, held });
  }

  /** One row for many cases of a kind: "<kind>: a, b, c" with what held for each. */
  item(kind: string, held: string, item: string): void {
    const group = this.groups.get(kind) ?? { held, items: [] };
    group.items.push(item);
    this.groups.set(kind, group);
  }

  async save(): Promise<void> {
    const grouped = [...this.groups].map(([kind, { held, items }]) => ({ tested: `${kind} (${items.length}): ${items.join('; ')}`, held }));
    const figures: SuiteFigures = { order: this.order, area: this.area, rows: [...grouped, ...this.rows], runs: this.runs, kills: this.kills, faults: this.faults, secretScans: secretScans.count };
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(`${RESULTS_DIR}${this.area.toLowerCase().replace(/\W+/g, '-')}.json`, `${JSON.stringify(figures, null, 2)}\n`);
  }
}
