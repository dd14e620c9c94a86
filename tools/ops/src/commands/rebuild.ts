import { setTimeout as sleep } from 'node:timers/promises';
import { stringOption, UsageError, type Command, type Context } from '../command';
import { duration, progressBar } from '../render';

interface RebuildProgress {
  phase: 'replaying' | 'catching-up' | 'switching';
  replayed: number;
  total: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
}

interface RebuildState {
  id: string;
  state: 'running' | 'done' | 'failed';
  startedTime: string;
  finishedTime: string | null;
  report: { events: number; views: number; checksum: string; durationMs?: number } | null;
  progress: RebuildProgress | null;
  error: string | null;
}

function progressLine(progress: RebuildProgress | null): string {
  if (!progress) return 'starting…';
  if (progress.phase === 'switching') return 'switching to the rebuilt tables (final catch-up under lock)…';
  return `${progress.phase.padEnd(11)} ${progressBar(progress.replayed, progress.total)} ${progress.replayed}/${progress.total} records, ${progress.eventsPerSecond}/s, ETA ${duration(progress.etaSeconds)}`;
}

/** Follows a rebuild until it ends, redrawing one progress line on a terminal (a line per change otherwise). */
export async function followRebuild(context: Context, id: string, intervalMs: number): Promise<RebuildState> {
  const terminal = (process.stderr as { isTTY?: boolean }).isTTY === true;
  let last = '';
  for (;;) {
    const state = await context.client.operatorApi<RebuildState>('offer-api', `/projection/rebuilds/${id}`);
    if (state.state !== 'running') {
      if (terminal && last) context.out.note('\n');
      return state;
    }
    const line = progressLine(state.progress);
    if (line !== last && !context.out.json) context.out.note(terminal ? `\r${line.padEnd(last.length)}` : `${line}\n`);
    last = line;
    await sleep(intervalMs);
  }
}

export const rebuildCommand: Command = {
  name: 'rebuild',
  summary: 'rebuild the status view from offset 0 into new tables while the API keeps serving, with progress, rate and ETA',
  help: `usage: npm run ops -- rebuild [--no-wait] [--interval <ms>] [--json]
       npm run ops -- rebuild --status <id>

  Replays the event log from offset 0 into shadow tables while GET status keeps answering from the live
  ones, catches up, and switches when caught up (a brief lock). Shows a progress bar with the rate and the
  time left, then the report: events, views and the checksum (compare with GET /api/operator/projection/checksum).

  --no-wait      start it and print its id
  --status <id>  follow a rebuild already started
  --interval     how often to ask for progress (default 1000 ms)`,
  options: { 'no-wait': { type: 'boolean' }, status: { type: 'string' }, interval: { type: 'string' } },
  async run(parsed, context) {
    if (parsed.positionals.length) throw new UsageError(`rebuild takes no arguments (got ${parsed.positionals.join(' ')})`);
    const interval = Number(stringOption(parsed, 'interval') ?? 1000);
    if (!Number.isInteger(interval) || interval < 100) throw new UsageError('--interval takes milliseconds, at least 100');
    let id = stringOption(parsed, 'status');
    if (!id) {
      const started = await context.client.request<{ id: string }>('offer-api', '/api/operator/projection/rebuild', { method: 'POST', accept: [409] });
      if (started.status === 409) throw new Error('a projection rebuild is already running (follow it with --status <id>; its id is in offer-api’s log)');
      id = started.body.id;
      context.out.note(`rebuild ${id} started\n`);
      if (parsed.values['no-wait']) {
        if (context.out.json) context.out.write(`${JSON.stringify({ id, state: 'running' })}\n`);
        else context.out.write(`${id}\n`);
        return;
      }
    }
    const state = await followRebuild(context, id, interval);
    if (context.out.json) context.out.write(`${JSON.stringify(state, null, 2)}\n`);
    else if (state.state === 'done' && state.report)
      context.out.write(`rebuilt: ${state.report.events} events into ${state.report.views} views; checksum ${state.report.checksum}\n`);
    if (state.state === 'failed') throw new Error(`rebuild ${id} failed: ${state.error ?? 'no reason recorded'}`);
  },
};
