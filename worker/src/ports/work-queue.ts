// The queue port: at-least-once delivery of work messages with leases, as SQS gives and the SQLite queue mimics.

export interface QueueMessage {
  readonly id: string;
  /** Changes on every delivery; acks and lease changes use it. */
  readonly receiptHandle: string;
  readonly body: string;
  /** 1 on first delivery. */
  readonly receiveCount: number;
}

export interface ReceiveOptions {
  readonly max: number;
  readonly visibilityTimeoutSec: number;
  /** Long-poll wait when the queue is empty. */
  readonly waitSec: number;
  readonly signal?: AbortSignal;
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly deadLettered: number;
}

export interface WorkQueue {
  /** Sends every body (batched by the adapter); all or an error. */
  send(bodies: readonly string[]): Promise<void>;
  receive(options: ReceiveOptions): Promise<QueueMessage[]>;
  /** Done: never deliver again. */
  ack(message: QueueMessage): Promise<void>;
  /** Keep working: the message stays invisible this many seconds from now. */
  extendLease(message: QueueMessage, visibilityTimeoutSec: number): Promise<void>;
  /** Hand back: visible again after delaySec (0: at once). */
  release(message: QueueMessage, delaySec: number): Promise<void>;
  /** Poison: move to the dead-letter queue with the reason, never deliver here again. */
  deadLetter(message: QueueMessage, reason: string): Promise<void>;
  depth(): Promise<QueueDepth>;
}
