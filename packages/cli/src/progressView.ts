// Progress of transfers (a pull's layers, a create's upload) on stderr, as Ollama draws it: one bar per layer
// and one for the whole transfer, each with bytes, speed and time left, and each status on a line of its own.
// On a terminal the bars are redrawn in place (cli-progress); in a log each status and finished layer is a line.

import { createRequire } from 'node:module';
import { type LayerState, layerRate, overallRate, type PullState, type Rate } from '@ownchat/chat/shared';
import type cliProgressTypes from 'cli-progress';
import { goDuration, humanBytes } from './units.ts';

// cli-progress (CommonJS) loads when a terminal first shows bars, not with every verb: `ownchat chat` and
// `ownchat up` import this file through the command's verb list, and the bars' modules cost them ~2 MiB idle.
const require = createRequire(import.meta.url);
const loadCliProgress = (): typeof cliProgressTypes => require('cli-progress');

/** "2.1 GB/4.7 GB  42 MB/s  1m3s" while it runs; "4.7 GB" once done. */
export function progressDetail(r: Rate): string {
  if (r.total > 0 && r.completed >= r.total) return humanBytes(r.total);
  const parts = [`${humanBytes(r.completed)}/${humanBytes(r.total)}`];
  if (r.bytesPerSecond > 0) parts.push(`${humanBytes(r.bytesPerSecond)}/s`);
  if (r.secondsLeft !== undefined) parts.push(goDuration(r.secondsLeft));
  return parts.join('  ');
}

function percent(r: Rate): number {
  return r.total > 0 ? Math.floor((r.completed / r.total) * 100) : 0;
}

export interface ProgressView {
  update(state: PullState): void;
  stop(state: PullState): void;
}

/** Bars redrawn in place on a terminal. */
class TerminalView implements ProgressView {
  private readonly bars = new (loadCliProgress().MultiBar)({
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    autopadding: true,
    linewrap: false,
    barCompleteChar: '█',
    barIncompleteChar: ' ',
    barsize: Math.max(10, Math.min(40, (process.stderr.columns ?? 80) - 70)),
    format: '{label}: {percentage}% ▕{bar}▏ {detail}',
  });
  private readonly layerBars = new Map<string, cliProgressTypes.SingleBar>();
  private overall: cliProgressTypes.SingleBar | undefined;
  private statuses = 0;

  update(state: PullState): void {
    const now = Date.now();
    for (const layer of state.layers) this.layer(layer, now);
    if (state.layers.length > 1 || this.overall) {
      const r = overallRate(state, now);
      if (!this.overall) this.overall = this.bars.create(r.total, r.completed, this.payload('total', r));
      this.overall.setTotal(r.total);
      this.overall.update(r.completed, this.payload('total', r));
    }
    for (const status of state.statuses.slice(this.statuses)) {
      this.bars.create(1, 1, {}, { format: status });
    }
    this.statuses = state.statuses.length;
  }

  private layer(layer: LayerState, now: number): void {
    const r = layerRate(layer, now);
    let bar = this.layerBars.get(layer.digest);
    if (!bar) {
      // Keep the overall bar last among the layers: take it out, add the layer, put it back.
      if (this.overall) this.bars.remove(this.overall);
      bar = this.bars.create(layer.total, layer.completed, this.payload(layer.label, r));
      this.layerBars.set(layer.digest, bar);
      if (this.overall) this.overall = this.bars.create(1, 0, {});
    }
    bar.setTotal(layer.total);
    bar.update(layer.completed, this.payload(layer.label, r));
  }

  private payload(label: string, r: Rate) {
    return { label, detail: progressDetail(r) };
  }

  stop(state: PullState): void {
    this.update(state);
    this.bars.stop();
  }
}

/** One line per status and per finished layer, for logs and pipes. */
class PlainView implements ProgressView {
  private statuses = 0;
  private readonly done = new Set<string>();

  update(state: PullState): void {
    const now = Date.now();
    for (const layer of state.layers) {
      if (layer.total > 0 && layer.completed >= layer.total && !this.done.has(layer.digest)) {
        this.done.add(layer.digest);
        process.stderr.write(`${layer.label}: 100% ${progressDetail(layerRate(layer, now))}\n`);
      }
    }
    for (const status of state.statuses.slice(this.statuses)) process.stderr.write(`${status}\n`);
    this.statuses = state.statuses.length;
  }

  stop(state: PullState): void {
    this.update(state);
    const r = overallRate(state, Date.now());
    if (r.total > 0 && r.completed < r.total) {
      process.stderr.write(`stopped at ${percent(r)}% (${humanBytes(r.completed)}/${humanBytes(r.total)})\n`);
    }
  }
}

/** The view for stderr: bars on a terminal, lines elsewhere. */
export function progressView(): ProgressView {
  return process.stderr.isTTY ? new TerminalView() : new PlainView();
}
