/**
 * The ordered block-compression base of the gzip, xz and zstd compressors: a Transform that cuts
 * its input into blocks (each compressor its own way), hands them to compression threads (each
 * compressor its own worker, serving requests with block-worker.ts) and pushes their output in
 * input order, whatever order they finish in.
 *
 * What it bounds: at most `maxQueued` blocks between the input and the output (running, or done
 * and waiting for an older one), and a subclass asks for room before it hands out another. While
 * the output is full, nothing more is pushed until the reader asks (_read), so a build with
 * nobody reading holds a fixed number of blocks. A block's buffer travels to its thread and
 * back by transfer, the output written over the input (BlockResponse).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { TransferListItem } from 'node:worker_threads';
import type { ThreadPool } from '../../thread-pool.js';
import type { BlockResponse } from './block-worker.js';

/** Called with the number of input bytes each time the compressor has taken them in. */
export type ConsumedCallback = (bytes: number) => void;

/** A block handed out, until its output is pushed. */
export interface BlockJob {
  done: boolean;
  error: Error | undefined;
  /** The block's buffer, back from its thread (undefined while a thread holds it). */
  buffer: ArrayBuffer | undefined;
  /** Bytes of output at the buffer's start, once done. */
  length: number;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export abstract class OrderedBlockCompressor<Job extends BlockJob, Request extends { id: number; buffer: ArrayBuffer }> extends Transform {
  /** Blocks handed out and not yet pushed, oldest first. */
  private readonly queue: Job[] = [];
  /** Set while a subclass waits for any block to finish. */
  private settleWaiter: (() => void) | undefined;
  /** Set while output waits for the reader, who frees it through _read. */
  private readWaiter: (() => void) | undefined;

  constructor(
    /** The compressor's name, for errors ("zstd failed: ..."). */
    private readonly kind: string,
    protected readonly pool: ThreadPool<Request, BlockResponse>,
    private readonly maxQueued: number,
    private readonly onConsumed: ConsumedCallback | undefined,
  ) {
    super();
  }

  /** Takes in one chunk of input, handing out the blocks it completes (through waitForRoom and enqueue). */
  protected abstract consume(chunk: Buffer): Promise<void>;
  /** Hands out what is left at the end of the input; the base then pushes everything and calls epilogue. */
  protected abstract finishInput(): Promise<void>;
  /** The parts of a done block's output, in order; called once per block, in input order. */
  protected abstract output(job: Job): Buffer[];
  /** Called for each block leaving the queue (also on error), before its output: its buffer may be reused. */
  protected release(job: Job): void {
    void job;
  }
  /** Bytes pushed after the last block (a trailer, an index). */
  protected epilogue(): Buffer | undefined {
    return undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.consume(chunk).then(
      () => {
        this.onConsumed?.(chunk.length);
        callback();
      },
      (error: unknown) => callback(asError(error)),
    );
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(
      () => callback(),
      (error: unknown) => callback(asError(error)),
    );
  }

  override _read(size: number): void {
    const waiter = this.readWaiter;
    this.readWaiter = undefined;
    waiter?.();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.pool.close();
    const waiters = [this.readWaiter, this.settleWaiter];
    this.readWaiter = undefined;
    this.settleWaiter = undefined;
    for (const waiter of waiters) waiter?.();
    callback(error);
  }

  private async finish(): Promise<void> {
    await this.finishInput();
    while (this.queue.length > 0 && !this.destroyed) await this.pushOldest();
    await this.pool.close();
    if (this.destroyed) return;
    const last = this.epilogue();
    if (last !== undefined) this.push(last);
  }

  /**
   * Waits until fewer than maxQueued blocks are out and `busy()` is false (the threads have room),
   * pushing the oldest blocks as they finish. Returns false once the stream is destroyed.
   */
  protected async waitForRoom(busy: () => boolean = () => this.pool.full): Promise<boolean> {
    while (!this.destroyed && (this.queue.length >= this.maxQueued || busy())) {
      if (this.queue[0]!.done) await this.pushOldest();
      else await this.nextSettled();
    }
    return !this.destroyed;
  }

  /** Queues a block that is already done (its output in its buffer, no thread needed). */
  protected enqueueDone(job: Job): void {
    job.done = true;
    this.queue.push(job);
  }

  /** Queues a block and sends `request` (its buffer transferred) to a thread; `job.buffer` and `job.length` come back. */
  protected enqueueRun(job: Job, request: Omit<Request, 'id'>, transfer: readonly TransferListItem[]): void {
    this.queue.push(job);
    this.pool.run(request, transfer).then(
      (response) => {
        job.buffer = response.buffer;
        if (response.outputLength === undefined) job.error = new Error(`${this.kind} failed: ${response.error ?? 'unknown error'}`);
        else job.length = response.outputLength;
        this.settled(job);
      },
      (error: unknown) => {
        job.error = asError(error);
        this.settled(job);
      },
    );
  }

  private settled(job: Job): void {
    job.done = true;
    const waiter = this.settleWaiter;
    this.settleWaiter = undefined;
    waiter?.();
  }

  private nextSettled(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.settleWaiter = resolve;
    });
  }

  /** Waits for the oldest block and pushes its output, waiting for the reader whenever the output is full. */
  private async pushOldest(): Promise<void> {
    while (!this.queue[0]!.done && !this.destroyed) await this.nextSettled();
    const job = this.queue.shift()!;
    this.release(job);
    if (job.error) throw job.error;
    if (this.destroyed) return;
    // Made before anything awaits, so a buffer released above is never written meanwhile.
    for (const part of this.output(job)) {
      if (this.destroyed) return;
      if (!this.push(part)) {
        await new Promise<void>((resolve) => {
          this.readWaiter = resolve;
        });
      }
    }
  }

  /** Pushes, without waiting, the blocks at the head of the queue that are already done, until the output is full. */
  protected pushDone(): void {
    while (this.queue.length > 0 && this.queue[0]!.done && !this.destroyed) {
      const job = this.queue.shift()!;
      this.release(job);
      if (job.error) throw job.error;
      // Once the output is full, the rest waits in the queue, where waitForRoom's bound sees it.
      let room = true;
      for (const part of this.output(job)) room = this.push(part) && room;
      if (!room) return;
    }
  }
}
