// requests.ts — the replay adapter's own DAP requests, named once for the adapter and the
// editor host (which must not load the adapter to name them).

/** Moves the session to any event: `{ event: N }` (the heap views' "go to"). */
export const GOTO_EVENT_REQUEST = 'slabscope/gotoEvent';
/** Says where the session is: `{ trace, event, eventCount }` (the heap views follow it). */
export const POSITION_REQUEST = 'slabscope/position';
