/**
 * What the command tells a person while it works, and the numbers it reports at the end.
 *
 * - Progress bars (cli-progress) on stderr when it is a terminal: one for the files of a batch and
 *   one for the current stage of the model (`features`, `gbdt`, `predict`, …), driven by the
 *   model's `onProgress`. Without a terminal (logs of a cluster job) bars would be noise, so only
 *   one line per finished file is printed.
 * - `--quiet`: nothing but errors. `--json`: the human lines move to stderr and stdout carries one
 *   JSON summary at the end.
 * - Seconds per stage are summed for that summary (`timed`).
 */
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../model/convpaint-model.js';

export interface ReporterOptions {
  quiet?: boolean;
  json?: boolean;
  /** Force bars on or off (default: when stderr is a terminal). */
  bars?: boolean;
}

export class Reporter {
  readonly quiet: boolean;
  readonly json: boolean;
  private readonly bars: boolean;
  private multi: cliProgress.MultiBar | null = null;
  private filesBar: cliProgress.SingleBar | null = null;
  private stageBar: cliProgress.SingleBar | null = null;
  private currentStage = '';
  /** Seconds spent per stage, summed over files. */
  readonly seconds: Record<string, number> = {};

  constructor(options: ReporterOptions = {}) {
    this.quiet = options.quiet ?? false;
    this.json = options.json ?? false;
    this.bars = !this.quiet && (options.bars ?? Boolean(process.stderr.isTTY));
  }

  /** A line for the person: stdout normally, stderr when stdout carries JSON; nothing when quiet. */
  info(line: string): void {
    if (this.quiet) return;
    // Above the bars when both share the terminal; stdout redirected to a file gets it directly.
    if (this.multi && (this.json || process.stdout.isTTY)) this.multi.log(`${line}\n`);
    else if (this.json) process.stderr.write(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  }

  /** Engine warnings go to stderr unless --quiet. */
  readonly warn = (message: string): void => {
    if (this.quiet) return;
    const line = `convpaint: warning: ${message}\n`;
    if (this.multi) this.multi.log(line);
    else process.stderr.write(line);
  };

  /** Starts the files bar of a batch (only drawn on a terminal, only for more than one file). */
  startFiles(total: number): void {
    if (!this.bars || total < 2) return;
    this.ensureMulti();
    this.filesBar = this.multi!.create(total, 0, { label: 'files'.padEnd(10), detail: '' });
  }

  fileDone(detail: string): void {
    this.filesBar?.increment(1, { detail });
  }

  /** The model's onProgress: one bar, relabelled whenever the stage changes. */
  readonly onProgress = (event: ProgressEvent): void => {
    if (!this.bars) return;
    this.ensureMulti();
    if (!this.stageBar) {
      this.stageBar = this.multi!.create(event.total, event.done, { label: event.stage.padEnd(10), detail: '' });
      this.currentStage = event.stage;
      return;
    }
    if (event.stage !== this.currentStage || event.total !== this.stageBar.getTotal()) {
      this.currentStage = event.stage;
      this.stageBar.setTotal(event.total);
    }
    this.stageBar.update(event.done, { label: event.stage.padEnd(10) });
  };

  /** Runs `work`, adding its wall time to `seconds[stage]`. */
  async timed<T>(stage: string, work: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.seconds[stage] = (this.seconds[stage] ?? 0) + (performance.now() - start) / 1000;
    }
  }

  /** Removes the bars (before the final lines and the JSON). */
  stop(): void {
    // cli-progress prints logged lines only on its next redraw: draw once more before stopping.
    if (this.multi?.isActive) this.multi.update();
    this.multi?.stop();
    this.multi = null;
    this.filesBar = null;
    this.stageBar = null;
  }

  /** The per-stage seconds, rounded for printing. */
  secondsSummary(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.seconds).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
  }

  /** Prints the JSON summary on stdout (only with --json). */
  summary(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  private ensureMulti(): void {
    if (this.multi) return;
    this.multi = new cliProgress.MultiBar(
      {
        format: '{label} [{bar}] {value}/{total} {detail}',
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        barsize: 30,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
  }
}
