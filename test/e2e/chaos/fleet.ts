/**
 * Several instances of each service (one consumer group per service), started from dist/ by the e2e
 * Stack, that the fault schedule SIGKILLs and restarts. A process that exits without being told to is
 * recorded (a finding of its own) and started again so that the run can go on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService, ServiceName, Stack } from '../stack';

export interface Instance {
  id: string;
  name: ServiceName;
  /** Environment of this instance on top of the stack's; changed by reconfigure(), used by every restart. */
  extra: Record<string, string>;
  running?: RunningService;
  generation: number;
  /** Serialises kill/restart/reconfigure of one instance. */
  queue: Promise<unknown>;
}

export interface UnexpectedExit {
  instance: string;
  at: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  lastLines: string[];
}

export class Fleet {
  readonly instances: Instance[] = [];
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** Starts that failed (the process exited or never said it was ready) and were tried again. */
  readonly failedStarts: Array<{ instance: string; at: number; error: string }> = [];
  private readonly expectedExit = new Set<RunningService>();
  private closing = false;

  constructor(
    private readonly stack: Stack,
    private readonly logDir: string,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  add(name: ServiceName, count: number, extra: Record<string, string> = {}): void {
    for (let i = 1; i <= count; i += 1) this.instances.push({ id: `${name}-${i}`, name, extra: { ...extra }, generation: 0, queue: Promise.resolve() });
  }

  of(name: ServiceName): Instance[] {
    return this.instances.filter((i) => i.name === name);
  }

  get(id: string): Instance {
    const found = this.instances.find((i) => i.id === id);
    if (!found) throw new Error(`no instance ${id}`);
    return found;
  }

  /** URLs of the instances of a service that are up. */
  urls(name: ServiceName): string[] {
    return this.of(name).flatMap((i) => (i.running ? [i.running.url] : []));
  }

  async startAll(): Promise<void> {
    await Promise.all(this.instances.map((i) => this.serial(i, () => this.launch(i))));
  }

  /** SIGKILL, no clean shutdown. */
  async kill(id: string): Promise<void> {
    const instance = this.get(id);
    await this.serial(instance, () => this.halt(instance, 'SIGKILL'));
  }

  async restart(id: string): Promise<void> {
    const instance = this.get(id);
    await this.serial(instance, async () => {
      if (!instance.running) await this.launch(instance);
    });
  }

  /** A clean rolling restart of a service's instances with changed settings (one at a time). */
  async reconfigure(name: ServiceName, extra: Record<string, string>): Promise<void> {
    for (const instance of this.of(name)) {
      await this.serial(instance, async () => {
        instance.extra = { ...extra };
        await this.halt(instance, 'SIGTERM');
        await this.launch(instance);
      });
    }
  }

  async stopAll(): Promise<void> {
    this.closing = true;
    await Promise.all(this.instances.map((i) => this.serial(i, () => this.halt(i, 'SIGTERM'))));
  }

  private serial<T>(instance: Instance, work: () => Promise<T>): Promise<T> {
    const next = instance.queue.then(work, work);
    instance.queue = next.catch(() => undefined);
    return next;
  }

  private async launch(instance: Instance): Promise<void> {
    instance.generation += 1;
    const generation = instance.generation;
    const running = await this.launchRetrying(instance, generation);
    instance.running = running;
    void running.process.exited.then(({ code, signal }) => {
      this.saveOutput(`${instance.id}.${generation}`, running);
      if (this.expectedExit.has(running) || this.closing) return;
      this.unexpectedExits.push({ instance: instance.id, at: Date.now(), code, signal, lastLines: running.process.output.slice(-20) });
      if (instance.running === running) instance.running = undefined;
      // keep the run going: the exit is reported, the instance comes back
      void this.serial(instance, async () => {
        if (!instance.running && !this.closing) await this.launch(instance);
      }).catch(() => undefined);
    });
  }

  /** A start can fail while the database or the broker is away (the process exits): it is tried again. */
  private async launchRetrying(instance: Instance, generation: number): Promise<RunningService> {
    for (let tries = 1; ; tries += 1) {
      try {
        return await this.stack.launch(instance.name, instance.extra, `${instance.id}#${generation}${tries > 1 ? `.${tries}` : ''}`);
      } catch (error) {
        this.failedStarts.push({ instance: instance.id, at: Date.now(), error: (error as Error).message.split('\n').slice(0, 12).join('\n') });
        if (tries >= 10 || this.closing) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000 * tries));
      }
    }
  }

  private async halt(instance: Instance, signal: NodeJS.Signals): Promise<void> {
    const running = instance.running;
    if (!running) return;
    this.expectedExit.add(running);
    instance.running = undefined;
    await running.process.kill(signal);
  }

  private saveOutput(label: string, running: RunningService): void {
    try {
      writeFileSync(join(this.logDir, `${label}.log`), `${running.process.output.join('\n')}\n`);
    } catch {
      // diagnosis only
    }
  }
}
