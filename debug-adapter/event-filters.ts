/**
 * The machine-event filters live with run control (run-control/event-filters.ts),
 * which both the debug adapter and the GDB stub drive; the adapter's modules
 * keep importing them from here.
 */
export * from '../run-control/event-filters';
