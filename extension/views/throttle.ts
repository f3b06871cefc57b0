/** Leading + trailing throttle (no vscode import): at most one run per interval, the last request never lost. */
export class Throttle {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = -Infinity;
  private pending = false;
  private running = false;

  constructor(
    private readonly run: () => Promise<void> | void,
    public interval: number,
    private readonly now: () => number = () => Date.now(),
    private readonly schedule: (fn: () => void, ms: number) => ReturnType<typeof setTimeout> = (fn, ms) => setTimeout(fn, ms),
    private readonly cancel: (t: ReturnType<typeof setTimeout>) => void = (t) => clearTimeout(t),
  ) {}

  /** Ask for a run; runs now if the interval has passed, else once at its end. */
  request(): void {
    this.pending = true;
    if (this.timer !== undefined || this.running) return;
    const wait = this.last + this.interval - this.now();
    if (wait <= 0) void this.fire();
    else this.timer = this.schedule(() => { this.timer = undefined; void this.fire(); }, wait);
  }

  /** Run now regardless of the interval (a stop). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) { this.cancel(this.timer); this.timer = undefined; }
    this.pending = true;
    await this.fire();
  }

  dispose(): void {
    if (this.timer !== undefined) this.cancel(this.timer);
    this.timer = undefined;
    this.pending = false;
  }

  private async fire(): Promise<void> {
    if (!this.pending) return;
    if (this.running) return;
    this.pending = false;
    this.running = true;
    this.last = this.now();
    try {
      await this.run();
    } finally {
      this.running = false;
      if (this.pending) this.request();
    }
  }
}
