// The shared control block of a WorkerPool: one Int32Array slot each.
// Offsets into the shared data buffer count elements of the view they are
// used with: Int32 for PTR and INDEX, Float64 for VAL, B and C.

/** Slots of the control block. */
export const CTL = {
  SEQ: 0, // task number, bumped by the main thread to start a task
  DONE: 1, // last finished task number, set by the worker
  READY: 2, // 1 once the worker listens
  KIND: 3, // KIND_LISTS or KIND_STOP
  ROW_START: 4, // the worker's rows: ROW_START … ROW_END−1
  ROW_END: 5,
  N: 6, // columns of B and C
  PTR: 7, // offset of ptr (ROW_END + 1 entries)
  INDEX: 8, // offset of index (ptr[ROW_END] entries)
  VAL: 9, // offset of val (ptr[ROW_END] entries)
  B: 10, // offset of B
  B_LEN: 11, // elements of B
  C: 12, // offset of C (ROW_END · N elements; the worker writes its rows)
} as const;

/** Slots in the control block. */
export const CTL_SLOTS = 16;
/** Task: productByLists over the worker's rows. */
export const KIND_LISTS = 1;
/** Task: leave the loop and close. */
export const KIND_STOP = 2;
