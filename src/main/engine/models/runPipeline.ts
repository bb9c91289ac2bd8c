/**
 * A run's two-deep pipeline: while the worker runs item i, item i+1 waits at the worker, decoded and
 * preprocessed, so the worker never waits for the engine thread. As item i's reply arrives, item i+2
 * starts decoding (sharp's threads) while the engine thread post-processes and commits item i. One
 * item is prepared at a time; results are taken in launch order, so commits stay in order.
 */
export class ItemPipeline<T, R> {
  /** Items being decoded and preprocessed (before their first inference call). */
  private preparing = 0;
  /** Items at the inference worker (first call made, no reply yet). */
  private atWorker = 0;
  private launched = 0;
  private toppingUp = false;
  /** Set when the run ends early: nothing new starts while the items in flight finish. */
  private stopped = false;
  /** Items launched and not taken yet, in launch order. */
  private readonly window: Array<Promise<R>> = [];

  constructor(
    private readonly items: readonly T[],
    private readonly depth: number,
    private readonly signal: AbortSignal,
    /** Computes one item; calls onCall at its first inference call and onReply at the first reply. */
    private readonly work: (item: T, onCall: () => void, onReply: () => void) => Promise<R>,
    /**
     * Items past the inference worker that may still be in flight (post-processing off the engine's
     * thread, a CAM run's in the worker pool) before the oldest is taken: the worker goes on with the
     * next items meanwhile.
     */
    private readonly pastWorker = 1,
  ) {}

  /** Whether an item is launched and not taken yet. */
  get pending(): boolean {
    return this.window.length > 0;
  }

  /** The oldest launched item's result (call only while `pending`). */
  take(): Promise<R> {
    return this.window.shift() as Promise<R>;
  }

  /** Launches items while there is room. Called by the run loop and as items move on; never re-entered (a cache hit moves on at once). */
  topUp(): void {
    if (this.toppingUp) return;
    this.toppingUp = true;
    try {
      while (
        !this.stopped &&
        !this.signal.aborted &&
        this.launched < this.items.length &&
        this.preparing === 0 &&
        this.preparing + this.atWorker < this.depth &&
        this.window.length < this.depth + this.pastWorker
      ) {
        const item = this.items[this.launched++] as T;
        this.preparing++;
        this.window.push(this.launch(item));
      }
    } finally {
      this.toppingUp = false;
    }
  }

  /** Stops launching and waits for the items in flight (so no inference outlives the run). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.window);
  }

  private async launch(item: T): Promise<R> {
    // preparing -> at the worker (first inference call) -> past it (first reply, or no call at all).
    let state: 'preparing' | 'worker' | 'past' = 'preparing';
    const advance = (to: 'worker' | 'past'): void => {
      if (state === 'past' || state === to) return;
      if (state === 'preparing') this.preparing--;
      else this.atWorker--;
      if (to === 'worker') this.atWorker++;
      state = to;
      this.topUp();
    };
    try {
      return await this.work(
        item,
        () => advance('worker'),
        () => advance('past'),
      );
    } finally {
      advance('past');
    }
  }
}
