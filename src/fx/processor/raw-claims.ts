/**
 * Who writes an event to the raw lake: the first batch that claims its id. The event log is
 * at-least-once (the API's outbox relay may append an event twice when an instance dies between
 * the append and its bookkeeping), so the same event id can arrive in two batches; the raw lake
 * keeps it once. Claims are durable and shared by every processor instance (the state store).
 */
export interface RawEventClaims {
  /**
   * Claims `ids` for `batch` (a stable name: the stream and the batch's file name) and returns
   * the ids another batch claimed first. Idempotent: asking again for the same batch gives the
   * same answer, so a batch re-run after a crash skips exactly the same events.
   */
  claim(stream: string, batch: string, ids: readonly string[]): Promise<Set<string>>;
}
