import type { GovernanceLog, ModelSpec } from '@arbiter/shared';
import { formatProgressLine, modelLabel } from './format-results.js';

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const green = (text: string) => `\x1b[32m${text}\x1b[0m`;
const red = (text: string) => `\x1b[31m${text}\x1b[0m`;
/** ANSI: cursor up n lines; erase the whole line and return to its start. */
const cursorUp = (lines: number) => `\x1b[${lines}A`;
const eraseLine = '\x1b[2K\r';

interface Row {
  label: string;
  log: GovernanceLog | null;
}

/**
 * Live progress per model: on a terminal, one line per model with a spinner until its log arrives (redrawn in place
 * with ANSI cursor moves); elsewhere (a pipe, CI), one plain line per model as it finishes.
 */
export class ProgressDisplay {
  private readonly rows: Row[];
  private readonly interactive: boolean;
  private timer: NodeJS.Timeout | null = null;
  private frame = 0;
  private drawn = 0;
  private started = performance.now();

  constructor(
    private readonly output: ProgressOutput,
    models: readonly ModelSpec[],
  ) {
    this.rows = models.map((spec) => ({ label: modelLabel(spec), log: null }));
    this.interactive = output.isTTY === true;
  }

  start(conversationId: string): void {
    this.started = performance.now();
    if (!this.interactive) {
      this.output.write(`Analysing with ${this.rows.length} models (conversation ${conversationId})\n`);
      return;
    }
    this.draw();
    this.timer = setInterval(() => this.draw(), 80);
  }

  /** A model finished: its row (the first still running with that name: the same model may be asked twice). */
  finish(log: GovernanceLog): void {
    const row = this.rows.find((candidate) => candidate.log === null && candidate.label === modelLabel(log));
    if (row !== undefined) row.log = log;
    const done = this.rows.filter((candidate) => candidate.log !== null).length;
    if (!this.interactive) this.output.write(`[${done}/${this.rows.length}] ${formatProgressLine(log)}\n`);
    else this.draw();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.interactive) this.draw();
  }

  private draw(): void {
    const spinner = spinnerFrames[this.frame++ % spinnerFrames.length] ?? '*';
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    let text = this.drawn > 0 ? cursorUp(this.drawn) : '';
    for (const row of this.rows) {
      text += eraseLine;
      text += row.log === null ? `${spinner} ${row.label}  running ${seconds}s\n` : `${row.log.success ? green('✔') : red('✖')} ${formatProgressLine(row.log)}\n`;
    }
    // One write per frame: no flicker, and nothing interleaves with a half-drawn frame.
    this.output.write(text);
    this.drawn = this.rows.length;
  }
}
