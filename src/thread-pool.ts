/**
 * Worker threads for the stages' CPU-bound work (md5 in layout, deflate and LZMA2 in write):
 * `size` threads running one worker module, each given up to `perThread` requests at a time, so
 * a compression thread never waits for the main thread to hand it the next block (libuv's shared
 * pool cannot do that without running more than `size` at once). Requests and answers carry an
 * id; buffers travel by transfer, never by copy.
 */
import { Worker, type TransferListItem } from 'node:worker_threads';

interface Thread {
  worker: Worker;
  /** Requests sent and not answered or failed. */
  pending: number;
  /** Requests the thread is still working on, whether or not anyone waits for them. */
  inFlight: number;
  /** Called once the thread has no request left (set by close). */
  onIdle?: () => void;
}

interface Waiting<Response> {
  thread: Thread;
  resolve: (response: Response) => void;
  reject: (error: Error) => void;
}

export class ThreadPool<Request extends { id: number }, Response extends { id: number }> {
  private readonly workerUrl: URL;
  private readonly size: number;
  private readonly perThread: number;
  private readonly threads: Thread[] = [];
  private readonly waiting = new Map<number, Waiting<Response>>();
  private nextId = 0;
  private closed = false;

  constructor(workerUrl: URL, size: number, perThread: number) {
    this.workerUrl = workerUrl;
    this.size = size;
    this.perThread = perThread;
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.waiting.size;
  }

  /** True while every thread already holds `perThread` requests. */
  get full(): boolean {
    return this.pending >= this.size * this.perThread;
  }

  /** Sends a request (with `transfer` moved, not copied) to the least busy thread, started on first need. */
  run(request: Omit<Request, 'id'>, transfer: readonly TransferListItem[]): Promise<Response> {
    if (this.closed) return Promise.reject(new Error('thread pool is closed'));
    const thread = this.pickThread();
    const id = this.nextId++;
    thread.pending++;
    thread.inFlight++;
    return new Promise<Response>((resolve, reject) => {
      this.waiting.set(id, { thread, resolve, reject });
      thread.worker.postMessage({ ...request, id }, [...transfer]);
    });
  }

  /**
   * Stops the threads; requests still pending fail at once. A thread in the middle of a request is
   * stopped when it finishes it, never inside it: stopping a thread's JavaScript while native code
   * (lzma-native's encoder) calls into it throws a C++ exception nothing catches, which aborts the
   * whole process ("terminate called after throwing an instance of 'Napi::Error'").
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const threads = this.threads.splice(0);
    this.failAll(new Error('thread pool closed'));
    await Promise.all(
      threads.map(async (thread) => {
        if (thread.inFlight > 0) await new Promise<void>((resolve) => (thread.onIdle = resolve));
        await thread.worker.terminate();
      }),
    );
  }

  private pickThread(): Thread {
    let best: Thread | undefined;
    for (const thread of this.threads) if (best === undefined || thread.pending < best.pending) best = thread;
    if (best !== undefined && (best.pending === 0 || this.threads.length >= this.size)) return best;
    return this.startThread();
  }

  private startThread(): Thread {
    const worker = new Worker(this.workerUrl);
    const thread: Thread = { worker, pending: 0, inFlight: 0 };
    const answered = (): void => {
      thread.inFlight = Math.max(0, thread.inFlight - 1);
      if (thread.inFlight === 0) thread.onIdle?.();
    };
    worker.on('message', (response: Response) => {
      answered();
      const waiting = this.waiting.get(response.id);
      if (waiting === undefined) return;
      this.waiting.delete(response.id);
      thread.pending--;
      waiting.resolve(response);
    });
    worker.on('error', (error: Error) => this.failAll(error));
    worker.on('exit', (code) => {
      thread.inFlight = 0;
      thread.onIdle?.();
      if (!this.closed) this.failAll(new Error(`worker thread exited with code ${code}`));
    });
    this.threads.push(thread);
    return thread;
  }

  private failAll(error: Error): void {
    for (const [id, waiting] of this.waiting) {
      this.waiting.delete(id);
      waiting.thread.pending--;
      waiting.reject(error);
    }
  }
}
